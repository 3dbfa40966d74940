import { dirname } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { corpusHome } from '../helpers/corpus-home.js';
import { setup, withApp, type AppOptions } from './harness.js';
import { Shell, SettingsPage, UnlockPage, screenshot } from './pages.js';

const PASSPHRASE = 'questions du conseil à voix haute';

/** A vault holding the two French council meetings of the corpus (March and June). */
function seededHome(): Promise<string> {
  return corpusHome({
    passphrase: PASSPHRASE,
    name: 'e2e-voice',
    pick: (meeting) => meeting.id.startsWith('conseil-'),
  });
}

/**
 * The system's speech engine, as the scenario needs it: Chromium on a CI
 * machine has no voice, so the screen's behaviour with and without one is
 * set here (the only part of the flow that is not ours). Utterances never
 * end by themselves, so "speaking" lasts until something stops it.
 * Serialised into the page: it uses nothing but its argument.
 */
function fakeVoices(withVoice: boolean) {
  const spoken: string[] = [];
  let cancels = 0;
  const voice = { lang: 'fr-FR', name: 'Test', localService: true, default: true, voiceURI: 'x' };
  const page = globalThis as unknown as Record<string, unknown>;
  // The engine's own utterance type accepts only its own voices: both are replaced.
  Object.defineProperty(page, 'SpeechSynthesisUtterance', {
    configurable: true,
    value: class {
      voice: unknown = null;
      lang = '';
      onend: unknown = null;
      onerror: unknown = null;
      constructor(readonly text: string) {}
    },
  });
  Object.defineProperty(page, 'speechSynthesis', {
    configurable: true,
    value: {
      getVoices: () => (withVoice ? [voice] : []),
      speak: (u: { text: string }) => spoken.push(u.text),
      cancel: () => {
        cancels++;
      },
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    },
  });
  page.speechLog = () => ({ spoken, cancels });
}

async function speechLog(page: Page): Promise<{ spoken: string[]; cancels: number }> {
  return page.evaluate(() =>
    (
      globalThis as unknown as { speechLog: () => { spoken: string[]; cancels: number } }
    ).speechLog(),
  );
}

/** The app on a seeded vault, the question's WAV as microphone, with or without a system voice. */
function voiceApp(home: string, withVoice: boolean): AppOptions {
  return {
    home,
    passphrase: PASSPHRASE,
    microphone: 'question',
    init: { script: fakeVoices, arg: withVoice },
  };
}

/** Once unlocked: the speech model imported, then the Questions screen. */
async function ready(page: Page): Promise<void> {
  await page.locator('[data-screen="meetings"]').waitFor();
  const shell = new Shell(page);
  await shell.go('settings');
  await new SettingsPage(page).importModels(dirname(setup().models.whisper));
  await shell.go('ask');
}

async function askTyped(page: Page, question: string): Promise<void> {
  await page.locator('textarea[name="question"]').fill(question);
  await page.locator('.ask-form button[type="submit"]').click();
}

test.describe('questions by voice, in French, in Chromium', () => {
  test('hold F2, speak, release: stages, evidence then answer; a follow-up keeps to its meeting; no voice is said', async () => {
    const home = await seededHome();
    await withApp(voiceApp(home, false), async ({ page }) => {
      await ready(page);

      // Hold the key while the fake microphone speaks: the stage says it listens.
      await page.keyboard.down('F2');
      await expect(page.getByTestId('push-to-talk')).toHaveAttribute('aria-pressed', 'true');
      const stage = page.getByTestId('ask-stage');
      await expect(stage).toHaveAttribute('data-stage', 'ask.stage.listening');
      await expect(stage).toContainText('À l’écoute');
      // How long the official holds the key (the fake microphone plays meanwhile).
      await page.waitForTimeout(3000);
      await page.keyboard.up('F2');
      await expect(page.getByTestId('push-to-talk')).toHaveAttribute('aria-pressed', 'false');
      // The spoken question ends on screen, one way or the other (random weights hear nonsense).
      await expect(page.getByTestId('answer')).toBeVisible({ timeout: 180_000 });
      await expect(page.getByTestId('turn')).toHaveCount(1);

      // A question the corpus answers: the verified evidence appears before the answer.
      await askTyped(page, 'Quel est le montant du budget primitif ?');
      const current = page.locator('[data-testid="turn"][data-current="true"]');
      const evidence = current.getByTestId('evidence');
      await expect(evidence).toBeVisible({ timeout: 180_000 });
      await expect(evidence).toContainText('Conseil municipal du 12 mars 2026');
      await expect(evidence).toContainText(/a dit\u202f: «/);
      // No system voice: the screen says so, it does not stay silent.
      await expect(page.getByTestId('speech-status')).toHaveAttribute('data-speech', 'no-voice');
      await expect(page.getByTestId('speech-status')).toContainText('Aucune voix de synthèse');
      await expect(current.getByTestId('answer')).toBeVisible({ timeout: 180_000 });
      await screenshot(page, 'fr-ask-evidence');

      // Alone, « et le vote ? » would find the June council; as a follow-up, March's.
      await askTyped(page, 'Et le vote ?');
      const follow = page.locator('[data-testid="turn"][data-current="true"]');
      await expect(follow.getByTestId('evidence')).toContainText(
        'Conseil municipal du 12 mars 2026',
        {
          timeout: 180_000,
        },
      );
      await expect(follow.getByTestId('answer')).toBeVisible({ timeout: 180_000 });
      await expect(page.getByTestId('turn')).toHaveCount(3);
      await screenshot(page, 'fr-ask-conversation');

      // Cleared: gone from the screen, and the next « et le vote ? » stands alone (June).
      await page.getByTestId('clear-conversation').click();
      await expect(page.getByTestId('turn')).toHaveCount(0);
      await askTyped(page, 'Et le vote ?');
      await expect(page.getByTestId('evidence')).toContainText(
        'Conseil municipal du 25 juin 2026',
        {
          timeout: 180_000,
        },
      );
    });
  });

  test('answers are read aloud with the system voice; pressing the key again stops speech', async () => {
    const home = await seededHome();
    await withApp(voiceApp(home, true), async ({ page }) => {
      await ready(page);
      await askTyped(page, 'Quel est le montant du budget primitif ?');
      await expect(page.getByTestId('evidence')).toBeVisible({ timeout: 180_000 });
      const status = page.getByTestId('speech-status');
      await expect(status).toHaveAttribute('data-speech', 'speaking');
      // The evidence is the first thing said.
      const evidenceText = await page.getByTestId('evidence').locator('p').first().innerText();
      await expect.poll(async () => (await speechLog(page)).spoken[0]).toBe(evidenceText);
      const before = (await speechLog(page)).cancels;

      // Barge-in: the key pressed again silences it at once.
      await page.keyboard.down('F2');
      await expect(status).toBeHidden();
      expect((await speechLog(page)).cancels).toBeGreaterThan(before);
      await page.keyboard.up('F2');
    });
  });

  test('the conversation stays when the official opens a cited meeting and comes back; locking clears it', async () => {
    const home = await seededHome();
    await withApp(voiceApp(home, false), async ({ page }) => {
      await ready(page);
      const question = 'Quel est le montant du budget primitif ?';
      await askTyped(page, question);
      const evidence = page.getByTestId('evidence');
      await expect(evidence).toBeVisible({ timeout: 180_000 });
      // Left while the model writes: the cited meeting opens, then the official comes back.
      await evidence.locator('button.cite').click();
      await page.locator('[data-screen="meeting"]').waitFor();
      await new Shell(page).go('ask');
      await expect(page.getByTestId('turn')).toHaveCount(1);
      await expect(page.getByTestId('heard')).toHaveText(question);
      // The answer that came while away is there.
      await expect(page.getByTestId('answer')).toBeVisible({ timeout: 180_000 });

      // Kept as a file: it quotes the meeting out of the vault, so the audit trail says so.
      const download = page.waitForEvent('download');
      await page.getByTestId('save-conversation').click();
      expect((await download).suggestedFilename()).toMatch(/^conversation-[\d-]+\.md$/);
      await new Shell(page).go('audit');
      await expect(
        page.locator('[data-testid="audit-entries"] tr[data-action="conversation.saved"]'),
      ).toContainText('Conversation enregistrée');
      await new Shell(page).go('ask');

      // Locked and opened again: the conversation went with the vault.
      await page.getByTestId('lock').click();
      await new UnlockPage(page).unlock(PASSPHRASE);
      await page.locator('[data-screen="meetings"]').waitFor();
      await new Shell(page).go('ask');
      await expect(page.locator('[data-screen="ask"]')).toBeVisible();
      await expect(page.getByTestId('turn')).toHaveCount(0);
    });
  });
});
