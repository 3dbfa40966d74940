import { dirname } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { checkFrench } from './a11y.js';
import { PASSPHRASE, policyFile, withApp } from './harness.js';
import { corpusHome } from '../helpers/corpus-home.js';
import { AskPage, RecordPage, SettingsPage, Shell, screenshot } from './pages.js';

const check = (page: Page, state: string) => checkFrench(page, `fr-walk4-${state}`);

/** What the fourth French walk found (/work/notes/walk4), walked again in Chromium. */
test.describe('the fourth French walk’s findings (Chromium)', () => {
  test('a policy’s beam size is the one shown (finding 13)', async () => {
    const policy = policyFile({ finalDecoding: { beamSize: 3 }, featuresOff: ['spokenAnswers'] });
    await withApp({ env: { GREFFIER_POLICY: policy } }, async ({ page }) => {
      await new Shell(page).go('settings');
      const decoding = page.getByTestId('final-decoding').locator('select');
      await expect(decoding.locator('option:checked')).toHaveText(
        'Précis, plus lent (recherche en faisceau, 3)',
      );
      await expect(page.getByTestId('policy')).toContainText('recherche en faisceau, 3');
      await expect(page.getByTestId('policy')).not.toContainText('faisceau, 5');
      await check(page, 'policy-beam-3');
      // Spoken answers off: the Questions screen says so instead of hiding the checkbox (finding 19).
      await new Shell(page).go('ask');
      await expect(page.getByTestId('read-answers')).toHaveCount(0);
      await expect(page.getByTestId('spoken-off')).toContainText('service informatique');
      await check(page, 'policy-spoken-off');
    });
  });

  test('a refused value names its field and range; an empty file is named (finding 4)', async () => {
    await withApp({}, async ({ page }) => {
      // An empty recording: named, said empty, and the note can be closed.
      await page.getByTestId('import-file').setInputFiles({
        name: 'vide.mp3',
        mimeType: 'audio/mpeg',
        buffer: Buffer.alloc(0),
      });
      const alert = page.getByTestId('import-panel').getByRole('alert');
      await expect(alert).toContainText('vide.mp3');
      await expect(alert).toContainText('est vide');
      await expect(alert).not.toContainText('ne comprend pas');
      await check(page, 'import-empty-file');
      await page.getByTestId('import-error-close').click();
      await expect(alert).toHaveCount(0);

      // Out-of-range minutes: the field keeps what was typed and says the range, in French.
      await new Shell(page).go('settings');
      const lock = page.getByLabel('Verrouiller après inactivité');
      for (const typed of ['-5', '5000']) {
        await lock.fill(typed);
        const refused = page.getByRole('alert');
        await expect(refused).toContainText('Verrouiller après inactivité');
        await expect(refused).toContainText(/entre 0 et 1\s440\sminutes/);
        await expect(lock).toHaveValue(typed);
        await expect(lock).toHaveAttribute('aria-invalid', 'true');
      }
      await check(page, 'lock-out-of-range');
      // A value in range is saved, and the note goes.
      await lock.fill('15');
      await expect(page.getByRole('alert')).toHaveCount(0);
      await expect(lock).toHaveValue('15');
    });
  });

  test('the audit trail says its details in French: no JSON, no ids (finding 11)', async () => {
    await withApp({}, async ({ page }) => {
      const shell = new Shell(page);
      await shell.go('settings');
      await page.getByTestId('final-decoding').locator('select').selectOption('beam');
      await expect(page.getByTestId('final-decoding').locator('option:checked')).toHaveText(
        'Précis, plus lent (recherche en faisceau, 5)',
      );
      await shell.go('record');
      const record = new RecordPage(page);
      await record.addSpeaker('Mme Durand');
      await record.start('Séance auditée');
      await expect.poll(() => record.elapsedSeconds(), { timeout: 60_000 }).toBeGreaterThan(1);
      await record.stop();

      await shell.go('audit');
      const decoding = page.locator(
        'tr[data-action="settings.changed"] [data-detail="finalDecoding"] dd',
      );
      await expect(decoding).toHaveText(/^Précis, plus lent \(recherche en faisceau, 5\) · /);
      const added = page.locator('tr[data-action="speaker.added"]');
      await expect(added).toContainText('Intervenant ajouté');
      await expect(added.locator('[data-detail="speakerId"] dd')).toHaveText(/^nᵒ\s1$/);
      await expect(page.locator('tr[data-action="speaker.renamed"]')).toHaveCount(0);
      await check(page, 'audit-details');
    });
  });

  test('the newest answer is scrolled into sight as the conversation grows (finding 5)', async () => {
    await withApp({}, async ({ page }) => {
      // A short window and no motion: the page must move to the newest turn by itself.
      await page.setViewportSize({ width: 1280, height: 600 });
      await page.emulateMedia({ reducedMotion: 'reduce' });
      await new Shell(page).go('ask');
      const ask = new AskPage(page);
      for (let n = 1; n <= 4; n++) {
        await ask.askTyped(`Question numéro ${n} sur le budget ?`);
        const newest = page.getByTestId('turn').nth(n - 1);
        // No model and no meeting: each turn ends in a note at once; it must be in sight.
        await expect(newest.getByRole('alert')).toBeVisible();
        await expect(newest.getByRole('alert')).toBeInViewport();
      }
      await screenshot(page, 'fr-walk4-ask-newest-in-sight');
    });
  });

  test('a citation opens its meeting with the player at the cited moment (finding 6)', async () => {
    const home = await seededHome();
    await withApp({ home, microphone: 'question' }, async ({ page, setup: s }) => {
      await page.locator('[data-screen="meetings"]').waitFor();
      const shell = new Shell(page);
      await shell.go('settings');
      await new SettingsPage(page).importModels(dirname(s.models.whisper));
      await shell.go('ask');
      await new AskPage(page).askTyped('Quel est le montant du budget primitif ?');
      const evidence = page.getByTestId('evidence');
      await expect(evidence).toBeVisible({ timeout: 180_000 });
      // A citation past the start: the player has somewhere to go.
      const cite = evidence
        .locator('button.cite')
        .filter({ hasNotText: /· 0:00/ })
        .first();
      const moment = /(\d+:\d\d)/.exec((await cite.textContent()) ?? '')![1]!;
      await cite.click();
      await page.locator('[data-screen="meeting"]').waitFor();
      const player = page.getByTestId('player');
      await expect(page.getByTestId('player-time')).toHaveText(new RegExp(`^${moment}\\b`));
      const [m, sec] = moment.split(':').map(Number);
      const citedMs = (m! * 60 + sec!) * 1000;
      await page.getByTestId('player-toggle').click();
      // « Lecture » plays from the citation, not from the start.
      await expect
        .poll(async () => Number(await player.getAttribute('data-now-ms')))
        .toBeGreaterThan(citedMs);
      await check(page, 'citation-player-at-moment');
    });
  });

  test('no meeting, no model, no voice: each said; the top bar and audit fit (findings 18, 19, 24, 25)', async () => {
    // This computer has no system voice (Chromium on CI may list some: none here).
    await withApp({ init: { script: noSystemVoice, arg: false } }, async ({ page }) => {
      const shell = new Shell(page);
      await shell.go('ask');
      // No voice: the checkbox is off-limits and says why, before any question.
      await expect(page.getByTestId('read-answers')).toBeDisabled();
      await expect(page.getByTestId('no-voice-reason')).toContainText('Aucune voix de synthèse');
      const ask = new AskPage(page);
      await ask.askTyped('Qu’a-t-on décidé sur la cantine ?');
      const turn = page.getByTestId('turn').last();
      await expect(turn.getByRole('alert')).toContainText('Aucune réunion');
      await check(page, 'ask-no-meeting-no-voice');

      // A meeting but no model: the missing model is named.
      await shell.go('record');
      const record = new RecordPage(page);
      await record.start('Séance sans modèle');
      await expect.poll(() => record.elapsedSeconds(), { timeout: 60_000 }).toBeGreaterThan(1);
      await record.stop();
      await shell.go('ask');
      await ask.askTyped('Qu’a-t-on décidé sur la cantine ?');
      const second = page.getByTestId('turn').last();
      await expect(second.getByRole('alert')).toContainText(
        /Le modèle nécessaire n’est pas installé\s: \S/,
      );
      await expect(second.getByRole('alert')).not.toContainText('de ce type');
      await check(page, 'ask-no-model-named');

      // 800 px wide: « Verrouiller » whole, the audit's dates on one line, « intact » calm.
      await page.setViewportSize({ width: 800, height: 700 });
      await expect(page.getByTestId('lock')).toBeInViewport({ ratio: 1 });
      await shell.go('audit');
      await expect(page.getByTestId('lock')).toBeInViewport({ ratio: 1 });
      await page.getByRole('button', { name: 'Vérifier l’intégrité' }).click();
      const report = page.getByTestId('audit-report');
      await expect(report).toHaveAttribute('data-ok', 'true');
      await expect(report).toHaveClass(/\bgood\b/);
      // How many lines the newest entry's date takes (the DOM is not typed here: a string).
      const dateLines = await page.evaluate(`(() => {
        const cell = document.querySelector('[data-testid="audit-entries"] tbody tr td.when');
        const range = document.createRange();
        range.selectNodeContents(cell);
        return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
      })()`);
      expect(dateLines).toBe(1);
      await check(page, 'audit-800');
    });
  });
});

/** Serialised into the page: the system's speech engine lists no voice. */
function noSystemVoice(): void {
  const synthesis = (globalThis as { speechSynthesis?: object }).speechSynthesis;
  if (synthesis) Object.defineProperty(synthesis, 'getVoices', { value: () => [] });
}

/** A vault holding the March council meeting of the corpus, with its transcript and (silent) audio. */
function seededHome(): Promise<string> {
  return corpusHome({
    passphrase: PASSPHRASE,
    name: 'e2e-walk4',
    pick: (meeting) => meeting.id === 'conseil-2026-03',
    audio: true,
  });
}
