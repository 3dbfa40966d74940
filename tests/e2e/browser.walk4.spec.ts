import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, expectFrenchOnly } from './a11y.js';
import { launchChromium, openApp, setup, startDevhost, type Devhost } from './harness.js';
import { RecordPage, Shell, UnlockPage, screenshot } from './pages.js';

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

  test('a refused value names its field and range; an empty file is named (finding 4)', async () => {
    const s = setup();
    host = await startDevhost({ locale: 'fr' });
    const browser = await launchChromium(s.meetingWav);
    try {
      const { page } = await openApp(browser, host);
      await new UnlockPage(page).createVault(PASSPHRASE);

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
    } finally {
      await browser.close();
    }
  });

  test('the audit trail says its details in French: no JSON, no ids (finding 11)', async () => {
    const s = setup();
    host = await startDevhost({ locale: 'fr' });
    const browser = await launchChromium(s.meetingWav);
    try {
      const { page } = await openApp(browser, host);
      await new UnlockPage(page).createVault(PASSPHRASE);
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
    } finally {
      await browser.close();
    }
  });
});
