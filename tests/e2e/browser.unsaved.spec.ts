import { expect, test, type Dialog } from '@playwright/test';
import { homeWithMinutes } from '../helpers/record.js';
import { expectAccessible, expectFrenchOnly } from './a11y.js';
import { PASSPHRASE, withApp } from './harness.js';
import { screenshot } from './pages.js';
const EDITED = 'Le conseil a adopté le budget après un long débat';

/**
 * Found walking: the minutes editor let the clerk leave with unsaved edits,
 * and they were gone. Leaving the meeting, switching screen, locking or
 * closing the window now asks first; staying keeps every word.
 */
test.describe('unsaved minutes edits (French, Chromium)', () => {
  test('leaving the minutes editor with unsaved edits asks first, and staying keeps them', async () => {
    const { home, meetingId } = await homeWithMinutes(PASSPHRASE, 'e2e-unsaved');
    await withApp({ home }, async ({ page }) => {
      const openMeeting = async () => {
        await page.locator(`[data-meeting-id="${meetingId}"] button`).click();
        await page.locator('[data-screen="meeting"]').waitFor();
      };
      await openMeeting();
      const minutes = page.getByTestId('minutes');
      const editor = page.getByTestId('minutes-editor');
      const leaveDialog = page.getByTestId('unsaved-dialog');

      // The editor open but nothing changed: leaving asks nothing.
      await minutes.getByRole('button', { name: 'Modifier le compte rendu' }).click();
      await page.locator('nav button[data-nav="ask"]').click();
      await page.locator('[data-screen="ask"]').waitFor();
      await page.locator('nav button[data-nav="meetings"]').click();
      await openMeeting();

      // An edit, then another screen: asked, in French; staying keeps the words typed.
      await minutes.getByRole('button', { name: 'Modifier le compte rendu' }).click();
      await editor.getByLabel('Résumé').fill(EDITED);
      await page.locator('nav button[data-nav="ask"]').click();
      await expect(leaveDialog).toBeVisible();
      await expect(leaveDialog).toContainText('modifications ne sont pas enregistrées');
      await expectAccessible(page, 'unsaved-dialog');
      await expectFrenchOnly(page, 'unsaved-dialog');
      await screenshot(page, 'fr-unsaved-dialog');
      await leaveDialog.getByRole('button', { name: 'Rester et continuer' }).click();
      await expect(leaveDialog).toHaveCount(0);
      await expect(page.locator('[data-screen="meeting"]')).toBeVisible();
      await expect(editor.getByLabel('Résumé')).toHaveValue(EDITED);

      // Locking the vault asks too.
      await page.getByTestId('lock').click();
      await expect(leaveDialog).toBeVisible();
      await leaveDialog.getByRole('button', { name: 'Rester et continuer' }).click();
      await expect(editor.getByLabel('Résumé')).toHaveValue(EDITED);

      // Closing the window (or reloading) asks through the browser's own question.
      const asked: Dialog[] = [];
      page.once('dialog', (dialog) => {
        asked.push(dialog);
        void dialog.dismiss();
      });
      await page.close({ runBeforeUnload: true });
      await expect.poll(() => asked.map((dialog) => dialog.type())).toEqual(['beforeunload']);
      expect(page.isClosed()).toBe(false);
      await expect(editor.getByLabel('Résumé')).toHaveValue(EDITED);

      // In English too.
      await page.getByTestId('switch-language').click();
      await page.locator('nav button[data-nav="meetings"]').click();
      await expect(leaveDialog).toContainText('Your changes are not saved');
      // Leaving on purpose drops the edits; the saved minutes are as they were.
      await leaveDialog.getByRole('button', { name: 'Leave without saving' }).click();
      await page.locator('[data-screen="meetings"]').waitFor();
      await openMeeting();
      await expect(minutes).toContainText('Le conseil a adopté le budget.');
      await expect(minutes).not.toContainText(EDITED);

      // Saved edits leave freely.
      await page.getByTestId('switch-language').click();
      await minutes.getByRole('button', { name: 'Modifier le compte rendu' }).click();
      await editor.getByLabel('Résumé').fill(EDITED);
      await editor.getByRole('button', { name: 'Enregistrer', exact: true }).click();
      await expect(minutes).toContainText(EDITED);
      await page.locator('nav button[data-nav="ask"]').click();
      await page.locator('[data-screen="ask"]').waitFor();
      await expect(leaveDialog).toHaveCount(0);
    });
  });
});
