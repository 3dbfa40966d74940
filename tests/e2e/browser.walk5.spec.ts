import { dirname } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { corpusHome } from '../helpers/corpus-home.js';
import { setup, withApp } from './harness.js';
import { AskPage, RecordPage, SettingsPage, Shell, UnlockPage, screenshot } from './pages.js';

const PASSPHRASE = 'les élus posent leurs questions';

/**
 * Serialised into the page before the app: every microphone track the page
 * opens is kept, so a scenario can tell whether the microphone is still on.
 */
function watchMicrophone(): void {
  // Typed here: the tests are compiled without the DOM's types.
  type Track = { readyState: string };
  type Devices = {
    getUserMedia(constraints: unknown): Promise<{ getAudioTracks(): Track[] }>;
  };
  const page = globalThis as unknown as {
    navigator: { mediaDevices: Devices };
    liveMicrophones: () => number;
  };
  const tracks: Track[] = [];
  const devices = page.navigator.mediaDevices;
  const open = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await open(constraints);
    tracks.push(...stream.getAudioTracks());
    return stream;
  };
  page.liveMicrophones = () => tracks.filter((track) => track.readyState === 'live').length;
}

const liveMicrophones = (page: Page) =>
  page.evaluate(() =>
    (globalThis as unknown as { liveMicrophones: () => number }).liveMicrophones(),
  );

async function unlockWithModels(page: Page): Promise<void> {
  await new UnlockPage(page).unlock(PASSPHRASE);
  await page.locator('[data-screen="meetings"]').waitFor();
  await new Shell(page).go('settings');
  await new SettingsPage(page).importModels(dirname(setup().models.whisper));
}

/**
 * The app on a vault holding the French councils, the question's WAV as the
 * microphone (watched), unlocked with the generated models imported.
 */
async function withCouncils(scenario: (page: Page) => Promise<void>): Promise<void> {
  await withApp(
    {
      home: await corpusHome({
        passphrase: PASSPHRASE,
        name: 'walk5',
        pick: (m) => m.id.startsWith('conseil-'),
      }),
      microphone: 'question',
      init: { script: watchMicrophone, arg: false },
      vault: false,
    },
    async ({ page }) => {
      await unlockWithModels(page);
      await scenario(page);
    },
  );
}

/** The question on screen, once it has ended one way or the other. */
async function ended(page: Page) {
  const current = page.locator('[data-testid="turn"][data-current="true"]');
  await expect(current.getByTestId('answer').or(current.locator('.error'))).toBeVisible({
    timeout: 180_000,
  });
  return current;
}

/** What the fifth French walk found on the officials' voice surfaces (walk/report.md). */
test.describe('the fifth French walk: questions by voice (Chromium)', () => {
  test('leaving Questions with the key held turns the microphone off and ends the question (H1)', async () => {
    await withCouncils(async (page) => {
      await new Shell(page).go('ask');

      await page.keyboard.down('F2');
      await expect(page.getByTestId('push-to-talk')).toHaveAttribute('aria-pressed', 'true');
      await expect.poll(() => liveMicrophones(page)).toBe(1);
      // The official opens another screen with the key still down, then lets go there.
      await new Shell(page).go('meetings');
      await page.keyboard.up('F2');
      await expect.poll(() => liveMicrophones(page)).toBe(0);

      // Back on Questions: nothing still « listening », and the key asks again.
      await new Shell(page).go('ask');
      await expect(page.locator('[data-stage="ask.stage.listening"]')).toHaveCount(0);
      await expect(page.getByTestId('push-to-talk')).toHaveAttribute('aria-pressed', 'false');
      await screenshot(page, 'fr-walk5-back-after-leaving-held');
      await page.keyboard.down('F2');
      await expect(page.locator('[data-stage="ask.stage.listening"]')).toBeVisible();
      await expect.poll(() => liveMicrophones(page)).toBe(1);
      // The window loses the focus with the key down: its release never comes; the question ends.
      await page.evaluate(() =>
        (globalThis as unknown as { dispatchEvent(event: unknown): void }).dispatchEvent(
          new (globalThis as unknown as { Event: new (type: string) => unknown }).Event('blur'),
        ),
      );
      await expect.poll(() => liveMicrophones(page)).toBe(0);
      await expect(page.getByTestId('push-to-talk')).toHaveAttribute('aria-pressed', 'false');
      await page.keyboard.up('F2');
      await ended(page);
    });
  });
  test('asked mid-session: the recording marker, the stage and what is heard stay in sight (H2, M3, L8)', async () => {
    await withCouncils(async (page) => {
      await new Shell(page).go('record');
      await new RecordPage(page).start('Conseil municipal du 30 novembre 2026');
      await new Shell(page).go('ask');
      // Two answers: the conversation is taller than the window.
      const ask = new AskPage(page);
      await ask.askTyped('Quel est le montant du budget primitif ?');
      await ended(page);
      await ask.askTyped('Et qui l’a présenté ?');
      await ended(page);
      await expect(page.getByTestId('turn')).toHaveCount(2);
      // A typed question is « asked », not « understood »; the passage said first is named (L8).
      const first = page.getByTestId('turn').first();
      await expect.soft(first).toContainText('Vous avez demandé\u202f:');
      await expect.soft(first.getByTestId('evidence')).toContainText('Passage vérifié');
      // The microphone of the session is still on, and the screen says so where it is read.
      await expect.soft(page.getByTestId('recording-marker')).toBeInViewport();

      // The key held: « listening » is said beside the question being asked, not above the fold.
      await page.keyboard.down('F2');
      const current = page.locator('[data-testid="turn"][data-current="true"]');
      const stage = current.getByTestId('ask-stage');
      await expect.soft(stage).toHaveAttribute('data-stage', 'ask.stage.listening');
      await expect.soft(stage).toBeInViewport();
      await expect.soft(current.getByTestId('heard')).toBeInViewport();
      await expect.soft(current).toContainText('Compris\u202f:');
      await screenshot(page, 'fr-walk5-held-mid-session');
      await page.keyboard.up('F2');
      await ended(page);
      await expect.soft(page.getByTestId('recording-marker')).toBeInViewport();
      await expect(page.getByTestId('recording-marker')).toContainText('Enregistrement');
    });
  });
  test('what is missing is said before the official asks, and the key is off without a transcription model (M5)', async () => {
    await withApp(
      {
        home: await corpusHome({ passphrase: PASSPHRASE, name: 'walk5', pick: () => false }),
        microphone: 'question',
        init: { script: watchMicrophone, arg: false },
        vault: false,
      },
      async ({ page }) => {
        await new UnlockPage(page).unlock(PASSPHRASE);
        await page.locator('[data-screen="meetings"]').waitFor();
        await new Shell(page).go('ask');
        const notes = page.getByTestId('ask-readiness');
        await expect(notes).toContainText('Aucun modèle de langage n’est installé');
        await expect(notes).toContainText('Aucun modèle de transcription n’est installé');
        await expect(notes).toContainText('Aucune réunion n’est encore enregistrée');
        // Speaking would be heard for nothing: the key and its button are off, and say why.
        const talk = page.getByTestId('push-to-talk');
        await expect(talk).toBeDisabled();
        await expect(talk).toHaveAttribute('aria-describedby', /ask-no-asr/);
        await page.keyboard.down('F2');
        await expect(page.getByTestId('turn')).toHaveCount(0);
        await page.keyboard.up('F2');
        expect(await liveMicrophones(page)).toBe(0);
        await screenshot(page, 'fr-walk5-ask-nothing-installed');
        // The way to fix it is one click away.
        await notes.getByRole('button', { name: 'Importer des modèles' }).click();
        await page.locator('[data-screen="settings"]').waitFor();
      },
    );
  });
});
