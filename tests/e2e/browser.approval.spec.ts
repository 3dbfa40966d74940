import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import { PART_HEADINGS } from '../../src/core/app/export-common.js';
import { exportLines } from '../../src/core/record/export-text.js';
import { parseSignatureFile, verifyExport } from '../../src/core/record/signature.js';
import { homeWithMinutes } from '../helpers/record.js';
import { expectAccessible, expectFrenchOnly } from './a11y.js';
import { launchChromium, openApp, setup, startDevhost, type Devhost } from './harness.js';
import { Shell, UnlockPage, screenshot } from './pages.js';

const PASSPHRASE = 'séance du conseil à huis clos';
const EDITED_OVERVIEW = 'Le conseil a adopté le budget par douze voix contre trois';

async function check(page: Page, state: string): Promise<void> {
  await expectAccessible(page, state);
  await expectFrenchOnly(page, state);
  await screenshot(page, `fr-${state}`);
}

/** Clicks an export button and returns the file and its .sig.json, both downloaded. */
async function exportSigned(page: Page, format: 'pdf' | 'md') {
  const downloads: Download[] = [];
  const both = new Promise<void>((resolve) => {
    const listener = (download: Download) => {
      downloads.push(download);
      if (downloads.length === 2) {
        page.off('download', listener);
        resolve();
      }
    };
    page.on('download', listener);
  });
  await page.locator(`button[data-export="${format}"]`).click();
  await both;
  const read = async (d: Download) => ({
    name: d.suggestedFilename(),
    bytes: readFileSync(await d.path()),
  });
  const [file, sig] = await Promise.all(downloads.map(read));
  return file!.name.endsWith('.sig.json') ? { file: sig!, sig: file! } : { file: file!, sig: sig! };
}

/**
 * The official record in French, in Chromium: the clerk submits the minutes,
 * the chair types their name and approves, the exports carry the signature
 * block and a .sig.json that verifies offline; a template with a wrong limit
 * is refused with its field named.
 */
test.describe('approval in the French UI', () => {
  let host: Devhost;
  test.afterEach(async () => {
    await host?.stop();
  });

  test('the clerk submits, the chair approves, the export shows the signature block', async () => {
    const s = setup();
    // A vault holding one transcribed meeting with its minutes (the pipeline is tested elsewhere).
    const { home, meetingId } = await homeWithMinutes(PASSPHRASE, 'e2e-approval');

    host = await startDevhost({ locale: 'fr', home });
    const browser = await launchChromium(s.meetingWav);
    try {
      const { page } = await openApp(browser, host);
      await new UnlockPage(page).unlock(PASSPHRASE);
      await page.locator(`[data-meeting-id="${meetingId}"] button`).click();
      const status = page.getByTestId('minutes-status');
      await expect(status).toHaveText('Brouillon');

      // The clerk submits: the minutes are fixed, the model may not rewrite them.
      await page.getByTestId('submit-minutes').click();
      await expect(status).toHaveText('Soumis pour approbation');
      await expect(page.getByRole('button', { name: 'Rédiger à nouveau' })).toBeDisabled();
      await check(page, 'approval-submitted');

      // The chair returns them; the clerk edits the overview in the app and submits again.
      await page.getByLabel('Commentaire pour le greffier').fill('Préciser le résultat du vote');
      await page.getByRole('button', { name: 'Renvoyer au greffier' }).click();
      await expect(status).toHaveText('Renvoyé au greffier');
      const minutes = page.getByTestId('minutes');
      await minutes.getByRole('button', { name: 'Modifier le compte rendu' }).click();
      const editor = page.getByTestId('minutes-editor');
      await editor.getByLabel('Résumé').fill('  ');
      await editor.getByRole('button', { name: 'Enregistrer', exact: true }).click();
      await expect(page.getByText('Le résumé du compte rendu est vide.')).toBeVisible();
      await editor.getByLabel('Résumé').fill(EDITED_OVERVIEW);
      await check(page, 'minutes-editor');
      await editor.getByRole('button', { name: 'Enregistrer', exact: true }).click();
      await expect(editor).toHaveCount(0);
      await expect(minutes).toContainText(EDITED_OVERVIEW);
      await page.getByTestId('submit-minutes').click();
      await expect(status).toHaveText('Soumis pour approbation');
      await expect(minutes.getByRole('button', { name: 'Modifier le compte rendu' })).toHaveCount(
        0,
      );

      // The chair types their name and approves.
      await page.getByTestId('approver-name').fill('Marie Dupont');
      await page.getByTestId('approve-minutes').click();
      await expect(status).toHaveText('Approuvé');
      await expect(page.getByTestId('approval-block')).toContainText('Approuvé par Marie Dupont');
      await expect(page.getByTestId('approval-block')).toContainText(
        /Empreinte de la clé\u202f: [0-9A-F]{4} /,
      );
      // The transcript the approval cites is read-only too: no « Modifier » left on its lines.
      await expect(page.getByRole('button', { name: /^Modifier la phrase/ })).toHaveCount(0);
      await page.getByTestId('approval-history').locator('summary').click();
      await expect(page.getByTestId('approval-history')).toContainText('soumis');
      // The draft's template by its name, not its id (French walk 4, finding 11).
      await expect(page.getByTestId('approval-history')).not.toContainText(/— general\b/);
      await check(page, 'approval-approved');

      // Exports carry the signature block, and their .sig.json verifies offline.
      const md = await exportSigned(page, 'md');
      expect(md.sig.name).toBe(`${md.file.name}.sig.json`);
      const text = md.file.bytes.toString('utf8');
      expect(text).toContain('## Approbation');
      expect(text).toContain('Approuvé par Marie Dupont');
      expect(text).toContain(EDITED_OVERVIEW);
      expect(text).toMatch(/Empreinte de la clé\u202f: [0-9A-F]{4} [0-9A-F]{4}/);
      const pdf = await exportSigned(page, 'pdf');
      const lines = await exportLines('pdf', pdf.file.bytes);
      expect(lines).toContain('Approbation');
      expect(lines.some((l) => l.startsWith('Approuvé par Marie Dupont'))).toBe(true);
      expect(lines.join(' ')).toContain(EDITED_OVERVIEW);
      for (const { file, sig } of [md, pdf]) {
        const report = await verifyExport(
          file.bytes,
          parseSignatureFile(sig.bytes.toString('utf8'), sig.name),
          { headings: PART_HEADINGS },
        );
        expect(report.problems).toEqual([]);
      }

      // The approver's public key, downloaded from the approval, is the one that signed.
      const keyDownload = page.waitForEvent('download');
      await page.getByTestId('download-public-key').click();
      const publicKey = readFileSync(await (await keyDownload).path());
      expect(publicKey.toString()).toContain('BEGIN PUBLIC KEY');

      // The same check in the app: the export and its .sig.json, then one changed character.
      await new Shell(page).go('settings');
      const verify = page.getByTestId('verify');
      const sigFile = { name: md.sig.name, mimeType: 'application/json', buffer: md.sig.bytes };
      await verify.locator('input[name="export"]').setInputFiles({
        name: md.file.name,
        mimeType: 'text/markdown',
        buffer: md.file.bytes,
      });
      await verify.locator('input[name="signature"]').setInputFiles(sigFile);
      await verify.locator('input[name="publicKey"]').setInputFiles({
        name: 'cle.pem',
        mimeType: 'application/x-pem-file',
        buffer: publicKey,
      });
      await verify.getByRole('button', { name: 'Vérifier' }).click();
      await expect(page.getByTestId('verify-result')).toHaveAttribute('data-ok', 'true');
      await expect(page.getByTestId('verify-result')).toContainText('Signature valide');
      await expect(page.getByTestId('verify-verdict')).toContainText('VALIDE —');
      await verify.locator('input[name="export"]').setInputFiles({
        name: md.file.name,
        mimeType: 'text/markdown',
        buffer: Buffer.from(text.replace('dix-neuf', 'dix-neuv')),
      });
      await verify.getByRole('button', { name: 'Vérifier' }).click();
      await expect(page.getByTestId('verify-result')).toHaveAttribute('data-ok', 'false');
      // The verdict comes first, so a tampered file never reads like an approval.
      await expect(page.getByTestId('verify-verdict')).toContainText('NON VALIDE');
      await expect(page.getByTestId('verify-result')).toContainText(
        'La transcription de ce fichier n’est pas celle qui a été signée.',
      );
      await check(page, 'verify-mismatch');

      // A template the clerk owns: a wrong limit is refused with its field named.
      const templates = page.getByTestId('templates');
      await templates.getByLabel('Copier sous l’identifiant').fill('conseil-restreint');
      await templates.getByRole('button', { name: 'Copier', exact: true }).click();
      const form = page.getByTestId('template-form');
      await expect(form).toBeVisible();
      await form.getByRole('spinbutton', { name: 'Décisions' }).fill('99');
      await form.getByRole('button', { name: 'Enregistrer le modèle' }).click();
      await expect(page.getByTestId('template-field')).toHaveText(
        'Champ à corriger\u202f: Décisions (nombre maximal)',
      );
      await check(page, 'templates-refused');
    } finally {
      await browser.close();
    }
  });
});
