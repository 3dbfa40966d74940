import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, expectFrenchOnly } from './a11y.js';
import { PASSPHRASE, setup, withApp } from './harness.js';
import { AskPage, MeetingPage, RecordPage, Shell, UnlockPage, screenshot } from './pages.js';
import { spokenWav } from '../helpers/fixtures.js';

/** The recording marker's clock, in seconds (« ● Enregistrement 0:12 »). */
async function markerSeconds(page: Page): Promise<number> {
  const text = (await page.getByTestId('recording-marker').locator('time').textContent()) ?? '';
  const [m, s] = text.split(':').map(Number);
  return (m ?? 0) * 60 + (s ?? 0);
}

/**
 * Watches the page from now on: whether the meeting page ever said « no
 * transcript yet » or offered « Transcrire » while the just-stopped
 * recording's transcription was on its way (the walk's findings 7 and 30).
 */
async function watchMeetingGaps(page: Page): Promise<void> {
  // Page code as a string: the tests' TypeScript has no DOM types.
  await page.evaluate(`(() => {
    const seen = { empty: false, transcribe: false };
    window.__gaps = seen;
    const look = () => {
      const screen = document.querySelector('[data-screen="meeting"]');
      if (!screen) return;
      if (screen.querySelector('[data-testid="no-transcript"]')) seen.empty = true;
      if (screen.querySelector('[data-testid="transcribe"]')) seen.transcribe = true;
    };
    new MutationObserver(look).observe(document.body, { childList: true, subtree: true });
  })()`);
}

/**
 * The walk's finding 1: the recording lives above the screens. The clerk
 * goes to Questions while an official asks one; the microphone goes on, the
 * top bar says so on every screen, the live transcript keeps growing, and
 * the marker brings the clerk back to stop it. A reload asks first.
 */
test.describe('a recording that outlives its screen (Chromium, French)', () => {
  test('the recording goes on in Questions, the top bar shows it, and stopping still works', async () => {
    await withApp({ args: ['--asr-model', setup().models.whisper] }, async ({ page }) => {
      const shell = new Shell(page);
      const record = new RecordPage(page);
      await shell.go('record');
      // One wording for the tab and the heading (the tab says « séance » no more).
      await expect(page.locator('nav button[data-nav="record"]')).toHaveText('Enregistrer');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Enregistrer une réunion');
      await record.start('Conseil du 30 novembre');
      // The meeting's title is said while it records; the level bar has a visible label.
      await expect(page.getByTestId('recording-title')).toHaveText('Conseil du 30 novembre');
      await expect(page.getByTestId('level-label')).toHaveText('Niveau du microphone');
      await expect(record.liveLines().first()).toBeVisible({ timeout: 120_000 });
      const marker = page.getByTestId('recording-marker');
      await expect(marker).toBeVisible();
      await expect(marker).toContainText('Enregistrement');
      await expectAccessible(page, 'recording-marker-record');
      await screenshot(page, 'fr-recording-marker-record');
      const linesBefore = await record.liveLines().count();

      // To Questions: the microphone is not stopped, and the top bar says it still records.
      await shell.go('ask');
      await expect(marker).toBeVisible();
      await expect(marker).toHaveAccessibleName(/^Enregistrement \d+:\d\d/);
      const leftAt = await markerSeconds(page);
      // An official asks aloud (push-to-talk opens the microphone a second time) …
      const ask = new AskPage(page);
      await ask.askByVoice(2000);
      await expect(ask.answer().or(page.getByRole('alert')).first()).toBeVisible({
        timeout: 120_000,
      });
      // … and the recording's own clock goes on (audio captured), not a delay of ours.
      await expect.poll(() => markerSeconds(page), { timeout: 60_000 }).toBeGreaterThan(leftAt + 4);
      await expectAccessible(page, 'recording-marker-ask');
      await expectFrenchOnly(page, 'recording-marker-ask');
      await screenshot(page, 'fr-recording-marker-ask');
      // And on the meetings list, the meeting is not « left open ».
      await shell.go('meetings');
      await expect(marker).toBeVisible();
      await expect(page.getByTestId('interrupted-recordings')).toHaveCount(0);

      // A reload (F5, closing the window) asks first; staying keeps the recording.
      const dialog = page.waitForEvent('dialog');
      const reload = page.reload().catch(() => undefined);
      const asked = await dialog;
      expect(asked.type()).toBe('beforeunload');
      await asked.dismiss();
      void reload;

      // The marker brings the clerk back: still recording, the transcript kept growing.
      await marker.click();
      await page.locator('[data-screen="record"]').waitFor();
      await expect(page.getByTestId('recording')).toBeVisible();
      expect(await record.elapsedSeconds()).toBeGreaterThan(leftAt + 4);
      await expect
        .poll(() => record.liveLines().count(), { timeout: 120_000 })
        .toBeGreaterThan(linesBefore);
      await expect(page.getByTestId('active-recordings')).toHaveCount(0);

      // Stopping still works, and the meeting page never goes blank nor offers a second
      // transcription before the final lines arrive.
      await watchMeetingGaps(page);
      await record.stop();
      await expect(marker).toHaveCount(0);
      await expect(page.getByTestId('provisional-transcript').locator('li').first()).toBeVisible();
      await expectFrenchOnly(page, 'meeting-provisional');
      await screenshot(page, 'fr-meeting-provisional');
      const meeting = new MeetingPage(page);
      await expect(meeting.segments().first()).toBeVisible({ timeout: 180_000 });
      await expect(page.getByTestId('provisional-transcript')).toHaveCount(0);
      const gaps = await page.evaluate('window.__gaps');
      expect(gaps).toEqual({ empty: false, transcribe: false });
      await screenshot(page, 'fr-meeting-after-provisional');
    });
  });

  test('« Verrouiller » during a recording asks first; staying records on, locking stops it as Stop would', async () => {
    await withApp({}, async ({ page }) => {
      const unlock = new UnlockPage(page);
      const record = new RecordPage(page);
      await new Shell(page).go('record');
      await record.start('Conseil verrouillé');
      await record.recordedAtLeast(2);

      // The lock button asks, in French, what becomes of the recording.
      await page.getByTestId('lock').click();
      const dialog = page.getByTestId('unsaved-dialog');
      await expect(dialog).toBeVisible();
      await expect(dialog.getByRole('heading')).toHaveText('Enregistrement en cours');
      await expect(dialog).toContainText('Verrouiller arrêtera l’enregistrement');
      await expectAccessible(page, 'lock-while-recording');
      await expectFrenchOnly(page, 'lock-while-recording');
      await screenshot(page, 'fr-lock-while-recording');

      // Staying: still unlocked, still recording, the clock goes on.
      const before = await record.elapsedSeconds();
      await dialog.getByRole('button', { name: 'Continuer l’enregistrement' }).click();
      await expect(dialog).toHaveCount(0);
      await expect(page.getByTestId('recording')).toBeVisible();
      await expect
        .poll(() => record.elapsedSeconds(), { timeout: 60_000 })
        .toBeGreaterThan(before + 1);

      // Locking: the recording is stopped as Stop does (not « interrupted »), then the vault locks.
      await page.getByTestId('lock').click();
      await dialog.getByRole('button', { name: 'Arrêter et verrouiller' }).click();
      await unlock.screen.waitFor();
      await unlock.unlock(PASSPHRASE);
      await page.locator('[data-screen="meetings"]').waitFor();
      await expect(page.getByText('Conseil verrouillé')).toBeVisible();
      await expect(page.getByTestId('recovered-notice')).toHaveCount(0);
      await expect(page.getByTestId('interrupted-recordings')).toHaveCount(0);
      await expect(page.getByTestId('recording-marker')).toHaveCount(0);
    });
  });

  test('an import being transcribed shows its lines window by window, marked provisional', async () => {
    await withApp({ args: ['--asr-model', setup().models.whisper] }, async ({ page }) => {
      // About 80 s of French speech: several final-pass windows.
      await page.getByTestId('import-file').setInputFiles(spokenWav({ lang: 'fr', repeat: 12 }));
      const panel = page.getByTestId('import-panel');
      await expect(page.getByTestId('import-duration')).toBeVisible();
      await panel.getByLabel('Titre de la réunion').fill('Conseil importé long');
      await panel.getByRole('button', { name: 'Importer', exact: true }).click();
      await page.locator('[data-screen="meeting"][data-meeting-id]').waitFor();
      await watchMeetingGaps(page);
      // The first windows done are shown while the rest is transcribed (not « no transcript »).
      const provisional = page.getByTestId('provisional-transcript');
      await expect(provisional.locator('li').first()).toBeVisible({ timeout: 180_000 });
      await expect(page.getByTestId('provisional-note')).toContainText('Transcription provisoire');
      await expectFrenchOnly(page, 'import-provisional');
      await screenshot(page, 'fr-import-provisional');
      const meeting = new MeetingPage(page);
      await expect(meeting.segments().first()).toBeVisible({ timeout: 240_000 });
      await expect(provisional).toHaveCount(0);
      // Before its first window an import has nothing to show; « Transcrire » is never offered.
      const gaps: { transcribe: boolean } = await page.evaluate('window.__gaps');
      expect(gaps.transcribe).toBe(false);
    });
  });
});
