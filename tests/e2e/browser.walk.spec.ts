import { dirname } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { checkFrench } from './a11y.js';
import { PASSPHRASE, policyFile, withApp } from './harness.js';
import { AskPage, RecordPage, Shell, UnlockPage } from './pages.js';

const check = (page: Page, state: string) => checkFrench(page, `fr-walk-${state}`);

/**
 * What the French walk of the last session found, walked again in Chromium:
 * a meeting waiting for a model says so (not « Prête ») and what to do; a
 * recording left open by a reload is announced on the meetings list; the
 * audit details and the date filter speak French; a machine policy names
 * itself as the reason of a refusal, and exports it turned off are not
 * offered.
 */
test.describe('the French walk’s findings (Chromium)', () => {
  test('waiting for a model, a reload mid-recording, the audit screen in French', async () => {
    await withApp({}, async ({ page }) => {
      const shell = new Shell(page);
      const record = new RecordPage(page);

      // No model yet: the meeting waits for one, and says so with the way forward.
      await shell.go('record');
      await record.start('Séance sans modèle');
      await record.recordedAtLeast(3);
      await record.stop();
      await expect(page.getByTestId('job-waiting')).toBeVisible();
      await expect(page.getByTestId('meeting-status')).toHaveText('En attente d’un modèle');
      await expect(page.getByRole('button', { name: 'Importer des modèles' })).toBeVisible();
      await check(page, 'meeting-waiting-for-model');
      await shell.go('meetings');
      await expect(
        page.locator('li[data-status]', { hasText: 'Séance sans modèle' }).locator('.badge'),
      ).toHaveText('En attente d’un modèle');

      // A reload in the middle of a recording: the list says so, and offers to resume or finish.
      await shell.go('record');
      await record.start('Séance rechargée');
      await record.recordedAtLeast(2);
      // The page asks before a reload while it records: the clerk leaves anyway.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.reload();
      await page.locator('html[data-ready="true"]').waitFor();
      await page.locator('[data-screen="meetings"]').waitFor();
      const notice = page.getByTestId('interrupted-recordings');
      await expect(notice).toContainText('Séance rechargée');
      await expect(notice).toContainText('interrompu');
      // Its row no longer claims to be recording.
      await expect(
        page.locator('li[data-status]', { hasText: 'Séance rechargée' }).locator('.badge'),
      ).toHaveText('Interrompu');
      await expect(
        notice.getByRole('button', { name: 'Reprendre l’enregistrement' }),
      ).toBeVisible();
      await check(page, 'list-recording-interrupted');
      // Its page says the same, and resumes it too.
      await page.getByRole('button', { name: /Séance rechargée/ }).click();
      await expect(page.getByTestId('meeting-status')).toHaveText('Interrompu');
      await expect(page.getByTestId('left-open')).toContainText('reprenez l’enregistrement');
      await new Shell(page).go('meetings');
      // Resuming from the list goes on recording where the audio stopped.
      await notice.getByRole('button', { name: 'Reprendre l’enregistrement' }).click();
      await page.getByTestId('recording').waitFor();
      await record.recordedAtLeast(3);
      // Leaving the screen mid-recording no longer stops the microphone: the list does not call
      // it left open, the top bar says it records, and brings the clerk back to stop it.
      await shell.go('meetings');
      await expect(page.getByTestId('recording-marker')).toBeVisible();
      await expect(page.getByTestId('interrupted-recordings')).toHaveCount(0);
      await page.getByTestId('recording-marker').click();
      await record.stop();
      await expect(page.getByRole('heading', { name: 'Séance rechargée' })).toBeVisible();
      await shell.go('meetings');
      await expect(page.getByTestId('interrupted-recordings')).toHaveCount(0);

      // The audit trail: details with French labels and values, a date typed the French way.
      await shell.go('audit');
      const stopped = page.locator('tr[data-action="recording.stopped"]').first();
      await expect(stopped).toContainText('Morceaux d’audio');
      await expect(stopped).toContainText('Interrompu');
      await expect(stopped).not.toContainText('chunks');
      // The meeting is named by its title, its id kept aside.
      await expect(stopped).toContainText('Séance rechargée');
      const since = page.getByTestId('audit-since');
      await expect(since).toHaveAttribute('placeholder', 'jj/mm/aaaa');
      const today = new Date();
      const two = (n: number) => String(n).padStart(2, '0');
      await since.fill(
        `${two(today.getDate())}/${two(today.getMonth() + 1)}/${today.getFullYear()}`,
      );
      await expect(page.locator('tr[data-action="vault.created"]')).toHaveCount(1);
      const tomorrow = new Date(today.getTime() + 86_400_000);
      await since.fill(
        `${two(tomorrow.getDate())}/${two(tomorrow.getMonth() + 1)}/${tomorrow.getFullYear()}`,
      );
      await expect(page.getByText('Aucune entrée.')).toBeVisible();
      await since.fill('31/02/2026');
      await expect(page.getByTestId('audit-since-error')).toContainText('jj/mm/aaaa');
      await since.fill('');
      await check(page, 'audit-details');
    });
  });

  test('after the host is killed mid-recording, the list says the meeting was recovered and what to do', async () => {
    await withApp({}, async ({ page, restart }) => {
      await new Shell(page).go('record');
      const record = new RecordPage(page);
      await record.start('Séance coupée');
      await record.recordedAtLeast(3);
      // The PC loses power: no goodbye, the vault's journal is all that is left.
      const again = await restart({ kill: true });
      await new UnlockPage(again).unlock(PASSPHRASE);
      await again.locator('[data-screen="meetings"]').waitFor();
      const recovered = again.getByTestId('recovered-notice');
      await expect(recovered).toContainText('Séance coupée');
      await expect(recovered).toContainText('ouvrez la réunion pour vérifier où il s’arrête');
      await expect(
        again.locator('li[data-status="recovered"]', { hasText: 'Séance coupée' }),
      ).toBeVisible();
      await expect(again.getByTestId('interrupted-recordings')).toHaveCount(0);
      await check(again, 'list-recovered-after-kill');
      await recovered.getByRole('button', { name: 'Séance coupée' }).click();
      await expect(again.getByTestId('meeting-status')).toHaveText('En attente d’un modèle');
      await expect(again.locator('.meeting-meta')).toContainText(
        'L’enregistrement a été interrompu',
      );
    });
  });

  test('a machine policy names itself when it refuses, and exports it turns off are not offered', async () => {
    const policy = policyFile({
      minPassphraseLength: 16,
      uiLanguage: 'fr',
      featuresOff: ['exports'],
      allowedModelSha256: ['0'.repeat(64)],
    });
    await withApp(
      { env: { GREFFIER_POLICY: policy }, vault: false },
      async ({ page, setup: s }) => {
        // An empty field is said by the page in French, not by the browser's own bubble.
        await page.locator('form button[type="submit"]').click();
        await expect(page.getByRole('alert')).toContainText('Tapez la phrase secrète du coffre.');
        // Strong but 12 characters: the policy's minimum, said as the policy's.
        await page.locator('input[name="passphrase"]').fill('Vq7#mPz9!kLw');
        const strength = page.getByTestId('strength');
        await expect(strength).toContainText('au moins 16');
        await expect(strength).toContainText('politique de ce poste');
        await expect(strength).toContainText('service informatique');
        await check(page, 'policy-passphrase');
        await new UnlockPage(page).createVault(PASSPHRASE);

        // A model the policy does not list is refused, and the policy is named as the reason.
        const shell = new Shell(page);
        // IT chose French: no switch to English in the bar, and Settings says whose choice it is.
        await expect(page.getByTestId('switch-language')).toHaveCount(0);
        await shell.go('settings');
        await expect(page.locator('#ui-language-policy')).toHaveText(
          'Imposé par la politique de ce poste, fixée par le service informatique.',
        );
        await page.locator('input[name="folder"]').fill(dirname(s.models.whisper));
        await page
          .locator('form:has(input[name="folder"]) label.check input[type="checkbox"]')
          .check();
        await page.locator('form:has(input[name="folder"]) button[type="submit"]').click();
        const result = page.getByTestId('import-result');
        await expect(result).toContainText('n’est pas autorisé par la politique de ce poste');
        await expect(result).toContainText('service informatique');
        // The signed-export check in Settings: its file fields speak the UI's language.
        const verify = page.getByTestId('verify');
        await expect(verify.getByText('Aucun fichier choisi')).toHaveCount(3);
        await verify.locator('input[name="signature"]').setInputFiles({
          name: 'compte-rendu.md.sig.json',
          mimeType: 'application/json',
          buffer: Buffer.from('{}'),
        });
        await expect(verify).toContainText('compte-rendu.md.sig.json');
        await check(page, 'policy-models-refused');

        // Exports are off: the meeting page says so instead of offering buttons that refuse.
        await shell.go('record');
        const record = new RecordPage(page);
        await record.start('Séance sous politique');
        await record.recordedAtLeast(2);
        await record.stop();
        const exports = page.getByTestId('exports');
        await expect(exports).toContainText('désactivés sur ce poste');
        await expect(exports).toContainText('service informatique');
        for (const format of ['docx', 'pdf', 'md', 'srt', 'vtt']) {
          await expect(page.locator(`button[data-export="${format}"]`)).toBeDisabled();
        }
        await check(page, 'policy-exports-off');

        // A saved conversation quotes meetings: with exports off it is not offered either.
        await shell.go('ask');
        await new AskPage(page).askTyped('Qu’a-t-on décidé sur la cantine ?');
        await expect(page.getByTestId('save-conversation')).toBeDisabled();
        await expect(page.locator('#conversation-exports-off')).toContainText(
          'service informatique',
        );
      },
    );
  });
});
