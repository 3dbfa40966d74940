import { expect, test } from '@playwright/test';
import { checkFrench, expectAccessible, expectFrenchOnly } from './a11y.js';
import { withApp } from './harness.js';
import { RecordPage } from './pages.js';

/**
 * The security officer's screen, in French: what the clerk did in this
 * session (vault created, a recording, a legal hold, an export) is listed
 * in the audit trail, the trail verifies intact, and the retention preview
 * answers. Every state is accessible and French.
 */
test.describe('the audit screen, in Chromium and French', () => {
  test('lists the actions of the session and verifies the trail', async () => {
    await withApp({}, async ({ page }) => {
      await page.locator('nav button[data-nav="record"]').click();
      const record = new RecordPage(page);
      await record.start('Commission du personnel');
      await record.recordedAtLeast(2);
      await record.stop();

      // The meeting page: its retention and a legal hold.
      const hold = page.getByTestId('legal-hold');
      await expect(hold).toContainText('Pas de gel juridique.');
      await hold.getByRole('button', { name: 'Placer sous gel juridique' }).click();
      await expect(hold).toContainText('Gel juridique actif depuis le');
      // A negative number of days is refused in French, never silently changed.
      const retention = page.getByTestId('retention');
      await retention.locator('input[data-retention="audio"]').fill('-3');
      await retention.getByRole('button', { name: 'Enregistrer' }).click();
      await expect(page.getByRole('alert')).toContainText(
        'La règle de conservation n’est pas valide',
      );
      await retention.locator('input[data-retention="audio"]').fill('');
      await expectAccessible(page, 'meeting-record-panels');
      await expectFrenchOnly(page, 'meeting-record-panels');
      const download = page.waitForEvent('download');
      await page.locator('button[data-export="md"]').click();
      const file = await download;
      expect(file.suggestedFilename()).toMatch(/\.md$/);

      await page.locator('nav button[data-nav="audit"]').click();
      await page.locator('[data-screen="audit"]').waitFor();
      const rows = page.getByTestId('audit-entries').locator('tbody tr');
      for (const action of [
        'vault.created',
        'recording.started',
        'recording.stopped',
        'retention.hold',
        'export.meeting',
      ]) {
        await expect(
          page.locator(`[data-testid="audit-entries"] tr[data-action="${action}"]`),
        ).toHaveCount(1);
      }
      await expect(rows.filter({ hasText: 'Enregistrement commencé' })).toHaveCount(1);
      // Details with French labels and values: « Format : Markdown », not "format: md".
      const exported = page.locator('tr[data-action="export.meeting"]');
      await expect(exported.locator('[data-detail="format"]')).toHaveText('FormatMarkdown');
      await expect(exported.locator('[data-detail="signed"]')).toHaveText('Signénon');

      // Filtered by action: only the exports.
      await page.getByTestId('audit-action').selectOption('export.meeting');
      await expect(rows).toHaveCount(1);
      await page.getByTestId('audit-action').selectOption('');

      await page.getByTestId('audit-verify').click();
      await expect(page.getByTestId('audit-report')).toContainText('Journal intact');

      await page.getByTestId('retention-preview').click();
      await expect(page.getByTestId('retention-plan')).toContainText('Rien n’est à supprimer.');
      await checkFrench(page, 'fr-audit');
    });
  });
});
