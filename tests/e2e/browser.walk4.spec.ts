import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, expectFrenchOnly } from './a11y.js';
import { launchChromium, openApp, setup, startDevhost, type Devhost } from './harness.js';
import { Shell, UnlockPage, screenshot } from './pages.js';

const PASSPHRASE = 'séance du conseil à huis clos';

async function check(page: Page, state: string): Promise<void> {
  await expectAccessible(page, state);
  await expectFrenchOnly(page, state);
  await screenshot(page, `fr-walk4-${state}`);
}

/** A machine policy file for one test. */
function policyFile(policy: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'greffier-e2e-policy-')), 'policy.json');
  writeFileSync(path, JSON.stringify(policy));
  return path;
}

/** What the fourth French walk found (/work/notes/walk4), walked again in Chromium. */
test.describe('the fourth French walk’s findings (Chromium)', () => {
  let host: Devhost | undefined;
  test.afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  test('a policy’s beam size is the one shown (finding 13)', async () => {
    const s = setup();
    const policy = policyFile({ finalDecoding: { beamSize: 3 } });
    host = await startDevhost({ locale: 'fr', env: { GREFFIER_POLICY: policy } });
    const browser = await launchChromium(s.meetingWav);
    try {
      const { page } = await openApp(browser, host);
      await new UnlockPage(page).createVault(PASSPHRASE);
      await new Shell(page).go('settings');
      const decoding = page.getByTestId('final-decoding').locator('select');
      await expect(decoding.locator('option:checked')).toHaveText(
        'Précis, plus lent (recherche en faisceau, 3)',
      );
      await expect(page.getByTestId('policy')).toContainText('recherche en faisceau, 3');
      await expect(page.getByTestId('policy')).not.toContainText('faisceau, 5');
      await check(page, 'policy-beam-3');
    } finally {
      await browser.close();
    }
  });
});
