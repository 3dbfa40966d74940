import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { createVault } from '../../src/core/meetings/index.js';
import { addRedactions } from '../../src/core/redaction/marks.js';
import { setMeetingRule } from '../../src/core/retention/settings.js';
import { locateVault } from '../../src/core/vault/location.js';
import { meetingWithMinutes } from '../helpers/record.js';
import { TEST_KDF } from '../helpers/vault.js';
import { expectAccessible, expectFrenchOnly } from './a11y.js';
import { launchChromium, openApp, setup, startDevhost } from './harness.js';
import { Shell, UnlockPage, screenshot } from './pages.js';

const PASSPHRASE = 'séance du conseil à huis clos';

test('temporary walk', async () => {
  const s = setup();
  const home = mkdtempSync(join(tmpdir(), 'greffier-tmpwalk-'));
  const open = await createVault(locateVault({ GREFFIER_HOME: home }).dir, Buffer.from(PASSPHRASE), {
    kdf: TEST_KDF,
    autoLockMinutes: 0,
  });
  const id = await meetingWithMinutes(open);
  await addRedactions(open, id, [{ segmentId: 's0001', start: 3, end: 9 }]);
  await setMeetingRule(open, id, { audioDays: 0 });
  await open.vault.lock();
  const host = await startDevhost({ locale: 'fr', home });
  const browser = await launchChromium(s.meetingWav);
  try {
    const { page } = await openApp(browser, host);
    await new UnlockPage(page).unlock(PASSPHRASE);
    await page.locator(`[data-meeting-id="${id}"] button`).click();
    await screenshot(page, 'tmp-meeting-draft');
    const download = page.waitForEvent('download');
    await page.locator('button[data-export="md"]').click();
    const md = readFileSync(await (await download).path(), 'utf8');
    console.log(md.split('\n').slice(0, 6).join('\n'));
    await page.getByRole('button', { name: 'Effacer définitivement le texte caviardé' }).click();
    await expect(page.getByRole('alertdialog')).toBeVisible();
    await expectAccessible(page, 'erase-confirm');
    await expectFrenchOnly(page, 'erase-confirm');
    await screenshot(page, 'tmp-erase-confirm');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Annuler' }).click();
    await new Shell(page).go('audit');
    await page.getByTestId('audit-since').fill('12/13/2026');
    await expectFrenchOnly(page, 'audit-bad-date');
    await screenshot(page, 'tmp-audit-bad-date');
    await page.getByTestId('audit-since').fill('');
    await screenshot(page, 'tmp-audit-after-apply');
    await page.getByTestId('switch-language').click();
    await screenshot(page, 'tmp-audit-english');
  } finally {
    await browser.close();
    await host.stop();
  }
});
