import { expect, test, type Page } from '@playwright/test';
import { checkFrench } from './a11y.js';
import { withApp } from './harness.js';
import { encodedSpeech, garbledCopy } from '../helpers/audio-formats.js';

const check = (page: Page, state: string) => checkFrench(page, `fr-${state}`);

/**
 * « Importer un enregistrement » in French, in Chromium on the browser host:
 * an MP3 made by ffmpeg from espeak-ng French is chosen, its length shown,
 * imported with a progress bar, and its meeting opens with the transcription
 * waiting (no speech model here); an M4A is refused in French with what to do.
 */
test.describe('importing a recording in the French UI', () => {
  test('an MP3 becomes a meeting; an M4A is refused in French', async () => {
    await withApp({}, async ({ page }) => {
      // The AAC refusal first: the message and the conversion hint, in French.
      await page.getByTestId('import-file').setInputFiles(encodedSpeech('m4a-aac'));
      const panel = page.getByTestId('import-panel');
      await expect(panel.getByRole('alert')).toContainText('en AAC');
      await expect(panel.getByRole('alert')).toContainText('Convertissez-le en WAV, FLAC, MP3');
      await expect(panel).toContainText('MP4 · aac');
      await check(page, 'import-refused-aac');
      await panel.getByRole('button', { name: 'Fermer' }).click();

      await page.getByTestId('import-file').setInputFiles(encodedSpeech('mp3'));
      await expect(page.getByTestId('import-duration')).toHaveText(/^(19|20|21)\ss$/);
      await expect(panel).toContainText('MP3');
      await expect(panel).toContainText('stéréo (2)');
      await check(page, 'import-probed');
      await panel.getByLabel('Titre de la réunion').fill('Conseil importé');
      // A 20 s file imports in a blink: what the panel showed is recorded as it changes.
      await page.evaluate(`(() => {
        const seen = (window.importSeen = []);
        const target = document.querySelector('[data-testid="import-panel"]');
        new MutationObserver(() => {
          const progress = target.querySelector('[data-testid="import-progress"]');
          if (progress) seen.push(progress.textContent || '');
        }).observe(target, { subtree: true, childList: true, characterData: true });
      })()`);
      await panel.getByRole('button', { name: 'Importer', exact: true }).click();

      // The meeting opens once imported, its transcription waiting for a speech model.
      const meeting = page.locator('[data-screen="meeting"][data-meeting-id]');
      await expect(meeting.getByRole('heading', { name: 'Conseil importé' })).toBeVisible();
      await expect(meeting).toContainText(/Transcription · en (attente|cours)/);
      await expect(meeting.locator('.meeting-meta')).toContainText(/(19|20|21)\ss/);
      const seen: string[] = await page.evaluate('window.importSeen');
      expect(seen.some((text) => /Import de l’enregistrement · \d+\s?%/.test(text))).toBe(true);
      await check(page, 'import-meeting');
    });
  });

  test('a damaged MP3 is imported, and its meeting says where, in French', async () => {
    await withApp({}, async ({ page }) => {
      // 4 000 bytes of garbage over the middle of the 20 s of speech (about 0:09).
      const damaged = garbledCopy(encodedSpeech('mp3'), 4000, 'speech20-mp3-garbled.mp3');
      await page.getByTestId('import-file').setInputFiles(damaged);
      const panel = page.getByTestId('import-panel');
      await expect(page.getByTestId('import-duration')).toBeVisible();
      await panel.getByLabel('Titre de la réunion').fill('Conseil abîmé');
      await panel.getByRole('button', { name: 'Importer', exact: true }).click();

      const meeting = page.locator('[data-screen="meeting"][data-meeting-id]');
      await expect(meeting.getByRole('heading', { name: 'Conseil abîmé' })).toBeVisible();
      const warnings = meeting.getByTestId('import-warnings');
      await expect(warnings).toContainText('L’enregistrement importé était abîmé');
      await expect(warnings).toContainText(/Passage abîmé à 0:(0[7-9]|1[01])/);
      await check(page, 'import-damaged');
    });
  });
});
