import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { WHISPER_TINY_SYNTH, writeWhisperModel } from '../../src/core/models/synth/index.js';
import { expectFrenchOnly } from './a11y.js';
import { PASSPHRASE, setup, withApp } from './harness.js';
import {
  AskPage,
  MeetingPage,
  RecordPage,
  SettingsPage,
  Shell,
  UnlockPage,
  screenshot,
} from './pages.js';

/**
 * The clerk's dead ends, walked in French in Chromium, each shown gone: a
 * recording made before any model exists is transcribed once they are
 * imported; a page reloaded mid-recording, then a restart, leads to a
 * playable, transcribed « Récupérée » meeting; speaker keys and a marker
 * survive into the final transcript and the Markdown export; a question with
 * no matching passage ends with an answer on screen.
 */
test.describe('no dead end for the clerk (French, Chromium)', () => {
  test('a recording made before any model exists is transcribed after the import', async () => {
    await withApp({}, async ({ page, setup: s }) => {
      const shell = new Shell(page);
      await shell.go('record');
      // Warned, not blocked: the audio is kept and transcribed later.
      await expect(page.getByTestId('no-asr-warning')).toContainText(
        'Aucun modèle de transcription',
      );
      const record = new RecordPage(page);
      await record.start('Avant les modèles');
      await record.recordedAtLeast(3);
      await record.stop();
      const meeting = new MeetingPage(page);
      await expect(page.getByTestId('job-waiting')).toContainText(
        'En attente d’un modèle de transcription',
      );
      // Playable already, before any transcript.
      await expect(page.locator('[data-testid="player"], audio').first()).toBeAttached();
      await expectFrenchOnly(page, 'waiting-for-model');
      await screenshot(page, 'fr-waiting-for-model');

      await shell.go('settings');
      await new SettingsPage(page).importModels(dirname(s.models.whisper));
      await shell.go('meetings');
      await page.getByRole('button', { name: /Avant les modèles/ }).click();
      await expect(meeting.segments().first()).toBeVisible({ timeout: 120_000 });
      await expect(page.getByTestId('job-waiting')).toHaveCount(0);

      // A second transcription model, imported later, can be made the one used (the walk:
      // a damaged default could not be replaced from the app).
      const usb = mkdtempSync(join(tmpdir(), 'greffier-e2e-usb-'));
      writeWhisperModel(join(usb, 'whisper-2.bin'), WHISPER_TINY_SYNTH, 2);
      await shell.go('settings');
      await new SettingsPage(page).importModels(usb);
      const second = new SettingsPage(page).models().filter({ hasText: 'whisper-2.bin' });
      await second.getByRole('button', { name: 'Utiliser whisper-2.bin par défaut' }).click();
      await expect(second).toContainText('(par défaut)');
      await expect(
        new SettingsPage(page).models().filter({ hasText: 'Utiliser par défaut' }),
      ).toHaveCount(1);
    });
  });

  test('reload mid-recording, then a restart: a playable, transcribed « Récupérée » meeting', async () => {
    await withApp({ args: ['--asr-model', setup().models.whisper] }, async ({ page, restart }) => {
      await new Shell(page).go('record');
      const record = new RecordPage(page);
      await record.start('Séance interrompue');
      await record.recordedAtLeast(3);
      // The page asks before a reload while it records: the clerk leaves anyway.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.reload();
      await page.locator('html[data-ready="true"]').waitFor();
      await new Shell(page).go('record');
      // The recording the reload left open is offered, not forgotten.
      const active = page.getByTestId('active-recordings');
      await expect(active).toContainText('Séance interrompue');
      await expect(
        active.getByRole('button', { name: 'Reprendre l’enregistrement' }),
      ).toBeVisible();
      await expectFrenchOnly(page, 'recording-left-open');
      await screenshot(page, 'fr-recording-left-open');

      // The PC restarts the app before anyone finishes it.
      const again = await restart();
      await new UnlockPage(again).unlock(PASSPHRASE);
      await again.locator('[data-screen="meetings"]').waitFor();
      // The list says what was recovered, and opens it from there.
      await again
        .getByTestId('recovered-notice')
        .getByRole('button', { name: 'Séance interrompue' })
        .click();
      const meeting = new MeetingPage(again);
      // Transcribed without anyone asking, and still marked as recovered.
      await expect(meeting.segments().first()).toBeVisible({ timeout: 120_000 });
      await expect(meeting.status()).toHaveText('Récupérée');
      await new Shell(again).go('record');
      await expect(again.getByTestId('recovered-meetings')).toContainText('Séance interrompue');
      await again
        .getByTestId('recovered-meetings')
        .getByRole('button', { name: 'Séance interrompue' })
        .click();
      await expect(again.locator('audio')).toBeAttached();
      await expectFrenchOnly(again, 'recovered-meeting');
      await screenshot(again, 'fr-recovered-meeting');
    });
  });

  test('speaker keys and a marker survive into the transcript and the Markdown export; a question with no passage answers', async () => {
    const s = setup();
    await withApp(
      { args: ['--asr-model', s.models.whisper, '--llm-model', s.models.llm] },
      async ({ page }) => {
        await new Shell(page).go('record');
        const record = new RecordPage(page);
        await record.addSpeaker('Mme Martin');
        await record.addSpeaker('M. Dupont');
        await record.start('Commission des finances');
        await record.recordedAtLeast(1);
        await record.markSpeaker(2);
        await record.recordedAtLeast(2);
        await page.locator('#record-title').click();
        await page.keyboard.press('m');
        await record.recordedAtLeast(5);
        await record.stop();

        const meeting = new MeetingPage(page);
        await expect(meeting.segments().first()).toBeVisible({ timeout: 120_000 });
        await expect(page.getByTestId('marker')).toHaveCount(1);
        const speakers = meeting.segments().locator('select.who');
        await expect(speakers.first()).toBeVisible();
        const chosen = await speakers.evaluateAll((selects) =>
          selects.map((select) => (select as unknown as { value: string }).value),
        );
        expect(chosen).toContain('p2');
        // A line's speaker can be changed by hand.
        await speakers.first().selectOption('p1');
        await expect(speakers.first()).toHaveValue('p1');

        const md = (await meeting.export('md')).bytes.toString('utf8');
        expect(md).toContain('**Repère**');
        expect(md).toMatch(/\*\*(Mme Martin|M\. Dupont)\*\*/);
        await expectFrenchOnly(page, 'meeting-with-speakers');
        await screenshot(page, 'fr-meeting-with-speakers');

        // A typed question that nothing in the meetings answers still ends on screen.
        await new Shell(page).go('ask');
        const ask = new AskPage(page);
        await ask.askTyped('Quel est le tarif des billets de train pour Lyon ?');
        await expect(ask.answer()).toBeVisible({ timeout: 120_000 });
        await expect(page.getByText('Recherche dans les réunions')).toHaveCount(0);
      },
    );
  });
});
