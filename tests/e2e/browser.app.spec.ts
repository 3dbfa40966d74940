import { expect, test, type Page } from '@playwright/test';
import { inflateRawSync } from 'node:zlib';
import { expectAccessible } from './a11y.js';
import { launchChromium, openApp, setup, startDevhost, type Devhost } from './harness.js';
import { dirname } from 'node:path';
import {
  AskPage,
  MeetingPage,
  RecordPage,
  SettingsPage,
  Shell,
  UnlockPage,
  screenshot as picture,
} from './pages.js';

/** Every screen pictured in English is also checked by axe (no serious or critical issue). */
async function screenshot(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  await picture(page, name);
}

const PASSPHRASE = 'conseil municipal du mardi';

/** The text of word/document.xml inside a DOCX (a zip), read with node:zlib only. */
function docxText(bytes: Buffer): string {
  const name = Buffer.from('word/document.xml');
  for (let i = 0; i < bytes.length - 30; i++) {
    if (bytes.readUInt32LE(i) !== 0x04034b50) continue;
    const nameLength = bytes.readUInt16LE(i + 26);
    const extraLength = bytes.readUInt16LE(i + 28);
    if (!bytes.subarray(i + 30, i + 30 + nameLength).equals(name)) continue;
    const size = bytes.readUInt32LE(i + 18);
    const start = i + 30 + nameLength + extraLength;
    const data = bytes.subarray(start, start + size);
    const xml = bytes.readUInt16LE(i + 8) === 8 ? inflateRawSync(data) : data;
    return xml.toString('utf8').replace(/<[^>]+>/g, ' ');
  }
  throw new Error('word/document.xml not found in the DOCX');
}

test.describe('the clerk and the official, in Chromium', () => {
  let host: Devhost;

  test.afterEach(async () => {
    await host?.stop();
  });

  test('create vault → record → live transcript → stop → minutes → ask by voice → export', async () => {
    const s = setup();
    host = await startDevhost();
    const browser = await launchChromium(s.meetingWav);
    try {
      const { page } = await openApp(browser, host);
      const unlock = new UnlockPage(page);
      await expect(unlock.screen).toBeVisible();
      await screenshot(page, 'en-unlock-create');
      await unlock.createVault(PASSPHRASE);

      // First start: no model yet, and the screen says where to import them.
      await expect(page.getByTestId('no-models')).toBeVisible();
      await screenshot(page, 'en-first-start');
      await page.getByRole('button', { name: 'Import models' }).click();
      const settings = new SettingsPage(page);
      await settings.importModels(dirname(s.models.whisper));
      await expect(settings.models()).toHaveCount(2);
      await expect(settings.models().first()).toContainText('trusted');
      await screenshot(page, 'en-settings');

      const shell = new Shell(page);
      await shell.go('record');
      const record = new RecordPage(page);
      await record.addSpeaker('Mme la Maire');
      await record.addSpeaker('M. Dupont');
      await record.start('Conseil municipal');
      await record.markSpeaker(1);
      // Live lines arrive while the microphone is still on (stop not pressed yet).
      await expect(record.liveLines().first()).toBeVisible();
      await expect(page.getByTestId('stop-recording')).toBeEnabled();
      await screenshot(page, 'en-record');
      await record.markSpeaker(2);
      // ~20 s of meeting, measured on the app's own clock rather than a sleep.
      await expect
        .poll(() => record.elapsedSeconds(), { timeout: 60_000 })
        .toBeGreaterThanOrEqual(20);
      await record.stop();

      const meeting = new MeetingPage(page);
      await expect(meeting.segments().first()).toBeVisible({ timeout: 120_000 });
      // Minutes follow the transcript (summary job), then the index job.
      await expect(meeting.minutes().locator('h3').first()).toBeVisible({ timeout: 180_000 });
      await expect(meeting.status()).toHaveText('Ready');
      const links = meeting.minutes().locator('[data-segment-link]');
      const linkCount = await links.count();
      console.log(`minutes items linked to segments: ${linkCount}`);
      if (linkCount > 0) {
        const target = await links.first().getAttribute('data-segment-link');
        await links.first().click();
        await expect(page.locator(`li[data-segment-id="${target}"]`)).toBeFocused();
      }
      // Clicking a line's time plays the meeting's audio from there (decrypted for this window only).
      await meeting.segments().first().locator('button.time').click();
      await expect(page.locator('audio')).toHaveAttribute('src', /^blob:/);
      await expect
        .poll(
          () =>
            page
              .locator('audio')
              .evaluate((audio) => (audio as unknown as { duration: number }).duration),
          { timeout: 30_000 },
        )
        .toBeGreaterThan(1);
      await screenshot(page, 'en-meeting');

      const md = await meeting.export('md');
      expect(md.name).toBe('Conseil-municipal.md');
      expect(md.bytes.toString('utf8')).toContain('# Conseil municipal');
      const firstLine = (await meeting.segments().first().locator('.text').textContent()) ?? '';
      const docx = await meeting.export('docx');
      expect(docx.name).toBe('Conseil-municipal.docx');
      expect(docx.bytes.subarray(0, 2).toString()).toBe('PK');
      const docText = docxText(docx.bytes);
      expect(docText).toContain('Conseil municipal');
      expect(docText.replace(/\s+/g, ' ')).toContain(
        firstLine.trim().split(/\s+/).slice(0, 3).join(' ').replace(/&/g, '&amp;'),
      );
      const pdf = await meeting.export('pdf');
      expect(pdf.name).toBe('Conseil-municipal.pdf');
      expect(pdf.bytes.subarray(0, 8).toString('latin1')).toMatch(/^%PDF-1\.\d$/);
      const srt = await meeting.export('srt');
      expect(srt.bytes.toString('utf8')).toMatch(/^1\n\d\d:\d\d:\d\d,\d{3} --> /);

      await shell.go('meetings');
      await expect(page.locator('[data-meeting-id]')).toHaveCount(1);
      // The meeting's status, then where its minutes are (walk 4, finding 10).
      await expect(page.locator('[data-meeting-id] .badge')).toHaveText(['Ready', 'Draft']);
      await screenshot(page, 'en-meetings');

      await shell.go('ask');
      const ask = new AskPage(page);
      await ask.askByVoice(3000);
      await expect(ask.answer()).toBeVisible({ timeout: 120_000 });
      await screenshot(page, 'en-ask');

      await page.getByTestId('lock').click();
      await expect(page.getByRole('heading', { name: 'Unlock the vault' })).toBeVisible();
      await screenshot(page, 'en-unlock');
      await unlock.unlock(PASSPHRASE);
      await expect(page.locator('[data-screen="meetings"] [data-meeting-id]')).toHaveCount(1);
    } finally {
      await browser.close();
    }
  });
});
