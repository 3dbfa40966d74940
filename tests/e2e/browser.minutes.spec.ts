import { expect, test, type Page } from '@playwright/test';
import type { OpenVault } from '../../src/core/meetings/index.js';
import { MinutesRecord } from '../../src/core/record/approval.js';
import type { Minutes } from '../../src/shared/minutes.js';
import { homeWithMinutes, meetingWithMinutes } from '../helpers/record.js';
import { checkFrench } from './a11y.js';
import { PASSPHRASE, withApp } from './harness.js';

const GENERATED = 'Le conseil a adopté le budget.';
const EDITED = 'Le conseil a adopté le budget par douze voix contre trois, après débat.';

const check = (page: Page, state: string) => checkFrench(page, `fr-${state}`);

/** A vault with meetings whose minutes the pipeline wrote (its history says so). */
function vaultWith(
  prepare: (open: OpenVault, meetingId: string) => Promise<void> = async () => undefined,
): Promise<{ home: string; meetingId: string }> {
  return homeWithMinutes(PASSPHRASE, 'e2e-minutes', async (open, meetingId) => {
    const summary = (await open.meetings.getSummary(meetingId)) as Minutes;
    await new MinutesRecord(open).generated(meetingId, 'council-session', summary);
    await prepare(open, meetingId);
  });
}

/**
 * The minutes on the meeting page, in French (walk 4, findings 3, 8, 10, 11):
 * every hand edit is a version of the history that can be restored, writing
 * again over hand edits asks first, every part of the minutes is editable.
 */
test.describe('minutes in the French UI', () => {
  test('a hand edit is in the history, can be restored, and writing again asks first', async () => {
    const { home, meetingId } = await vaultWith();
    await withApp({ home }, async ({ page }) => {
      await page.locator(`[data-meeting-id="${meetingId}"] button`).click();
      const minutes = page.getByTestId('minutes');
      await minutes.getByRole('button', { name: 'Modifier le compte rendu' }).click();
      const editor = page.getByTestId('minutes-editor');
      await editor.getByLabel('Résumé').fill(EDITED);
      await editor.getByRole('button', { name: 'Enregistrer', exact: true }).click();
      await expect(minutes).toContainText(EDITED);

      // The history names the template in French and has the hand edit.
      const history = page.getByTestId('approval-history');
      await history.locator('summary').click();
      await expect(history).toContainText('rédigé — Séance du conseil municipal');
      await expect(history).not.toContainText('council-session');
      await expect(history).toContainText('modifié à la main');

      // Writing again over the hand edit asks first; cancelling keeps the text.
      await minutes.getByRole('button', { name: 'Rédiger à nouveau' }).click();
      const ask = minutes.getByRole('alertdialog');
      await expect(ask).toContainText('modifié à la main');
      await expect(ask).toContainText('Historique des versions');
      await check(page, 'minutes-regenerate-ask');
      await ask.getByRole('button', { name: 'Annuler' }).click();
      await expect(ask).toHaveCount(0);
      await expect(minutes).toContainText(EDITED);

      // The generated text comes back from the history, and the hand edit can come back too.
      await history.getByRole('button', { name: /^Rétablir ce texte/ }).click();
      await expect(minutes).toContainText(GENERATED);
      await expect(minutes).not.toContainText(EDITED);
      await expect(history).toContainText('rétabli');
      await check(page, 'minutes-history-restored');
      await history.getByRole('button', { name: /^Rétablir ce texte/ }).click();
      await expect(minutes).toContainText(EDITED);
    });
  });
  test('a transcript line edited and not saved asks before leaving the meeting', async () => {
    const { home, meetingId } = await vaultWith();
    await withApp({ home }, async ({ page }) => {
      await page.locator(`[data-meeting-id="${meetingId}"] button`).click();
      const line = page.locator('[data-segment-id="s0001"]');
      await line.getByRole('button', { name: /^Modifier la phrase/ }).click();
      const text = line.getByRole('textbox');
      await text.fill('La séance est ouverte à dix-neuf heures trente.');
      await page.locator('nav button[data-nav="meetings"]').click();
      const leave = page.getByTestId('unsaved-dialog');
      await expect(leave).toBeVisible();
      await expect(leave).toContainText('transcription');
      await check(page, 'segment-unsaved-dialog');
      await leave.getByRole('button', { name: 'Rester et continuer' }).click();
      await expect(text).toHaveValue('La séance est ouverte à dix-neuf heures trente.');
      await line.getByRole('button', { name: 'Enregistrer', exact: true }).click();
      // Saved (the line reads « corrigé »; the text box's own text is no proof): leaving asks nothing.
      await expect(line.getByRole('textbox')).toHaveCount(0);
      await expect(line).toContainText('dix-neuf heures trente. (corrigé)');
      await page.locator('nav button[data-nav="meetings"]').click();
      await page.locator('[data-screen="meetings"]').waitFor();
      await expect(leave).toHaveCount(0);
    });
  });
  test('every part of the minutes is editable, in fields sized for real sentences', async () => {
    const long =
      'Subvention de 2 000 € à l’association sportive adoptée à l’unanimité, versée avant le 15 décembre sur présentation du bilan de la saison et des comptes certifiés par le trésorier.';
    const { home, meetingId } = await vaultWith(async (open, id) => {
      const summary = (await open.meetings.getSummary(id)) as Minutes;
      await open.meetings.setSummary(id, {
        ...summary,
        title: 'en fund juillet of good now important faire',
        decisions: [{ text: long, segmentIds: ['s0002'] }],
        actionItems: [{ owner: 'Mme Martin', task: long, segmentIds: [] }],
        openQuestions: [long],
      });
    });
    await withApp({ home }, async ({ page }) => {
      await page.locator(`[data-meeting-id="${meetingId}"] button`).click();
      const minutes = page.getByTestId('minutes');
      await minutes.getByRole('button', { name: 'Modifier le compte rendu' }).click();
      const editor = page.getByTestId('minutes-editor');
      // Long sentences are shown whole: no field scrolls, none is a narrow one-line box.
      for (const label of ['Décision 1', 'Tâche de l’action 1', 'Question ouverte 1']) {
        const field = editor.getByLabel(label, { exact: true });
        await expect(field).toHaveValue(long);
        const size = await field.evaluate((el) => ({
          tag: el.tagName,
          cut: el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1,
          // Most of the editor's width (the « Retirer » button sits beside it).
          wide: el.clientWidth > 0.7 * el.closest('form')!.clientWidth,
        }));
        expect(size, label).toEqual({ tag: 'TEXTAREA', cut: false, wide: true });
      }
      await editor.getByLabel('Titre', { exact: true }).fill('Conseil municipal du 3 mars 2026');
      await editor.getByLabel('Échéance de l’action 1').fill('15 décembre');
      await editor.getByLabel('Intervenant 1', { exact: true }).fill('Mme Martin');
      await editor
        .getByLabel('Intervention 1', { exact: true })
        .fill('Présente le budget et la subvention.');
      await editor.getByRole('button', { name: 'Ajouter une intervention' }).click();
      await editor.getByLabel('Intervenant 2', { exact: true }).fill('M. Durand');
      await editor
        .getByLabel('Intervention 2', { exact: true })
        .fill('Demande le calendrier des travaux.');
      await check(page, 'minutes-editor-full');
      await editor.getByRole('button', { name: 'Enregistrer', exact: true }).click();
      await expect(editor).toHaveCount(0);
      await expect(minutes.getByRole('heading', { level: 3 }).first()).toHaveText(
        'Conseil municipal du 3 mars 2026',
      );
      await expect(minutes).toContainText('(15 décembre)');
      await expect(minutes).toContainText('Mme Martin\u202f: Présente le budget et la subvention.');
      await expect(minutes).toContainText('M. Durand\u202f: Demande le calendrier des travaux.');
      // An empty title is named, not saved.
      await minutes.getByRole('button', { name: 'Modifier le compte rendu' }).click();
      await editor.getByLabel('Titre', { exact: true }).fill(' ');
      await editor.getByRole('button', { name: 'Enregistrer', exact: true }).click();
      await expect(page.getByText('Le titre du compte rendu est vide.')).toBeVisible();
    });
  });
  test('the meetings list says where the minutes of each meeting are, and filters on it', async () => {
    const ids: Record<string, string> = {};
    const { home, meetingId } = await vaultWith(async (open) => {
      const record = new MinutesRecord(open);
      ids.submitted = await meetingWithMinutes(open);
      await record.submit(ids.submitted);
      ids.returned = await meetingWithMinutes(open);
      await record.submit(ids.returned);
      await record.returnMinutes(ids.returned, 'Maire', 'Préciser le vote');
      ids.approved = await meetingWithMinutes(open);
      await record.submit(ids.approved);
      await record.approve(ids.approved, { approver: 'Marie Dupont' });
    });
    ids.draft = meetingId;
    await withApp({ home }, async ({ page }) => {
      const row = (id: string) => page.locator(`[data-meeting-id="${id}"]`);
      await expect(row(ids.draft!)).toContainText('Brouillon');
      await expect(row(ids.submitted!)).toContainText('Soumis pour approbation');
      await expect(row(ids.returned!)).toContainText('Renvoyé au greffier');
      await expect(row(ids.approved!)).toContainText('Approuvé');
      await check(page, 'meetings-minutes-states');
      const state = page.getByLabel('État');
      for (const [label, id] of [
        ['Compte rendu approuvé', ids.approved],
        ['Compte rendu renvoyé au greffier', ids.returned],
        ['Compte rendu soumis pour approbation', ids.submitted],
        ['Compte rendu en brouillon', ids.draft],
      ] as const) {
        await state.selectOption({ label });
        await expect(row(id!)).toBeVisible();
        await expect(page.locator('[data-meeting-id]')).toHaveCount(1);
      }
      await page.getByTestId('switch-language').click();
      await page.getByLabel('Status').selectOption({ label: 'Minutes approved' });
      await expect(row(ids.approved!)).toContainText('Approved');
      await expect(page.locator('[data-meeting-id]')).toHaveCount(1);
    });
  });
});
