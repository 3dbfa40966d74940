import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { projectRoot } from '../../src/core/paths.js';
import { chamber, chamberWav } from '../helpers/seats.js';
import { launchChromium, openApp, setup, startDevhost, type Devhost } from './harness.js';
import { RecordPage, SettingsPage, Shell, UnlockPage, screenshot } from './pages.js';

/**
 * Issue 13 in Chromium, in French: a 2-channel input (Chromium's fake
 * microphone plays a WAV with one espeak-ng voice per channel) names the seats,
 * the live speaker changes with the loudest seat, and after the final pass the
 * meeting screen shows who spoke when and plays from a click on the timeline.
 */
test.describe('speakers from microphone channels, in Chromium', () => {
  let host: Devhost;
  test.afterEach(async () => {
    await host?.stop();
  });

  test('seats named, live speaker changing, timeline playing from a click', async () => {
    const s = setup();
    const dir = join(projectRoot(), 'test-results');
    mkdirSync(dir, { recursive: true });
    const wav = chamberWav(chamber(2, 8), join(dir, 'e2e-two-seats.wav'));
    host = await startDevhost({ locale: 'fr' });
    const browser = await launchChromium(wav);
    try {
      const { page } = await openApp(browser, host);
      await new UnlockPage(page).createVault('séance du conseil à huis clos');
      const shell = new Shell(page);
      await shell.go('settings');
      await new SettingsPage(page).importModels(dirname(s.models.whisper));
      await shell.go('record');

      await page.getByTestId('detect-channels').click();
      await expect(page.getByTestId('channel-count')).toHaveText('2 canaux');
      await page.getByTestId('seat-1').fill('Mme Martin');
      await page.getByTestId('seat-2').fill('M. Durand');
      const record = new RecordPage(page);
      await record.start('Conseil à deux micros');
      const live = page.getByTestId('live-speaker');
      await expect(live).toHaveText('Parole à Mme Martin', { timeout: 60_000 });
      await expect(live).toHaveText('Parole à M. Durand', { timeout: 60_000 });
      await screenshot(page, 'fr-record-two-seats');
      await expect(live).toHaveText('Parole à Mme Martin', { timeout: 60_000 });
      await record.stop();

      const timeline = page.getByTestId('speaker-timeline');
      await expect(timeline).toBeVisible({ timeout: 180_000 });
      await expect(page.getByTestId('speaking-time')).toContainText('Mme Martin');
      await expect(page.getByTestId('speaking-time')).toContainText('M. Durand');
      const turn = timeline.locator('button[data-speaker="ch2"]').first();
      await turn.click();
      const audio = page.getByTestId('player-audio');
      await expect
        .poll(
          () => audio.evaluate((element) => !(element as unknown as { paused: boolean }).paused),
          {
            timeout: 30_000,
          },
        )
        .toBe(true);
      await screenshot(page, 'fr-meeting-speaker-timeline');
    } finally {
      await browser.close();
    }
  });
});
