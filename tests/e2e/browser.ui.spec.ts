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
  screenshot,
} from './pages.js';

const PASSPHRASE = 'séance du conseil à huis clos';
const NEXT_PASSPHRASE = 'nouvelle phrase du conseil municipal';

/** Axe and the French-only scan on the screen as it stands, then its picture. */
async function check(page: Page, state: string): Promise<void> {
  await expectAccessible(page, state);
  await expectFrenchOnly(page, state);
  await screenshot(page, `fr-${state}`);
}

/**
 * The clerk's day in French with no dead end on the UI side: every screen and
 * state is accessible (axe: no serious or critical violation) and says
 * nothing in English or as a raw code; playback runs in meeting time and
 * follows the transcript; errors, focus, confirmations land where they should.
 */
test.describe('the French UI, in Chromium: accessible, translated, playable', () => {
  let host: Devhost;

  test.afterEach(async () => {
    await host?.stop();
  });

  test('every screen and state, then the host stops', async () => {
    const s = setup();
    host = await startDevhost({ locale: 'fr' });
    const browser = await launchChromium(s.meetingWav);
    try {
      const { page } = await openApp(browser, host);
      const unlock = new UnlockPage(page);
      await expect(page.getByRole('heading', { name: 'Créer votre coffre' })).toBeVisible();
      await check(page, 'unlock-create');

      // Two different passphrases: a French error, and the focus back on the passphrase.
      await page.locator('input[name="passphrase"]').fill(PASSPHRASE);
      await page.locator('input[name="confirm"]').fill('autre chose');
      await page.locator('form button[type="submit"]').click();
      await expect(page.getByRole('alert')).toContainText('Les deux phrases secrètes diffèrent.');
      await expect(page.locator('input[name="passphrase"]')).toBeFocused();
      await check(page, 'unlock-create-mismatch');
      await unlock.createVault(PASSPHRASE);

      await expect(page.getByTestId('no-models')).toBeVisible();
      await check(page, 'first-start');

      // Importing generated (unlisted) models without trusting them: refused in French,
      // with what to do in the app (the box to tick), never a command-line flag.
      const shell = new Shell(page);
      await shell.go('settings');
      await page.locator('input[name="folder"]').fill(dirname(s.models.whisper));
      await page.locator('form:has(input[name="folder"]) button[type="submit"]').click();
      const result = page.getByTestId('import-result');
      await expect(result).toContainText('Importés\u202f: 0.');
      await expect(result).toContainText('ne figure pas au catalogue des modèles');
      await expect(result).toContainText('cochez « Faire confiance aux fichiers absents');
      await expect(result).not.toContainText('--trust');
      await check(page, 'settings-import-refused');
      const settings = new SettingsPage(page);
      await settings.importModels(dirname(s.models.whisper));
      // Sizes in French: a decimal comma and « Mo ».
      await expect(settings.models().first()).toContainText(/\d+(,\d)?\s(Mo|ko)/);
      await check(page, 'settings');

      // The final transcript's decoding: fast by default, accurate when chosen, kept.
      const decoding = page.getByTestId('final-decoding').locator('select');
      await expect(decoding.locator('option:checked')).toHaveText('Rapide (recommandé)');
      await decoding.selectOption('beam');
      await shell.go('meetings');
      await shell.go('settings');
      await expect(decoding.locator('option:checked')).toHaveText(
        'Précis, plus lent (recherche en faisceau, 5)',
      );
      await decoding.selectOption('greedy');
      await expect(decoding.locator('option:checked')).toHaveText('Rapide (recommandé)');

      // Changing the passphrase asks for it twice, and the success is seen.
      await page.locator('input[autocomplete="current-password"]').fill(PASSPHRASE);
      await page.locator('input[autocomplete="new-password"]').first().fill(NEXT_PASSPHRASE);
      await page.locator('input[name="confirm-new-passphrase"]').fill('pas la même');
      await page.getByRole('button', { name: 'Changer la phrase secrète' }).click();
      const passError = page.locator('section[aria-labelledby="pass-title"] [role="alert"]');
      await expect(passError).toContainText('Les deux phrases secrètes diffèrent.');
      await expect(passError).toBeInViewport();
      await expect(passError).toBeFocused();
      await page.locator('input[name="confirm-new-passphrase"]').fill(NEXT_PASSPHRASE);
      await page.getByRole('button', { name: 'Changer la phrase secrète' }).click();
      const changed = page.getByTestId('passphrase-changed');
      await expect(changed).toHaveText('Phrase secrète changée.');
      await expect(changed).toBeInViewport();
      await expect(changed).toBeFocused();
      await check(page, 'settings-passphrase-changed');

      await shell.go('record');
      await check(page, 'record');
      const record = new RecordPage(page);
      await record.addSpeaker('Mme la Maire');
      await record.addSpeaker('M. Dupont');
      await record.start('Séance des œuvres sociales');
      await record.markSpeaker(1);
      await expect(record.liveLines().first()).toBeVisible();
      // The newest live line is in view.
      await expect(record.liveLines().last()).toBeInViewport();
      await check(page, 'recording');
      await expect
        .poll(() => record.elapsedSeconds(), { timeout: 60_000 })
        .toBeGreaterThanOrEqual(40);
      await record.stop();

      const meeting = new MeetingPage(page);
      // Right after stop the final pass runs: its bar says what it does and how far it is.
      const bar = page.locator('.progress-line').first();
      await expect(bar.or(meeting.minutes().locator('h3').first())).toBeVisible();
      if (await bar.isVisible()) {
        await expect(bar).toContainText(
          /^(Transcription|Compte rendu|Indexation) · (\d+\s?%( · reste environ .+)?|en cours|en attente)$/u,
        );
        await check(page, 'meeting-working');
      }
      await expect(meeting.segments().first()).toBeVisible({ timeout: 120_000 });
      await expect(meeting.minutes().locator('h3').first()).toBeVisible({ timeout: 180_000 });
      // Template names, not file names.
      const templates = page.locator('select:has(option[value="council-session"])');
      await expect(templates.locator('option[value="council-session"]')).toHaveText(
        'Séance du conseil municipal',
      );
      await check(page, 'meeting');

      // Playback: a click on a later line's time plays from there, the clock reads meeting
      // time (not the time within the clip the service decrypted), the line heard is current.
      await expect(meeting.segments()).not.toHaveCount(1);
      const last = meeting.segments().last();
      const lastId = await last.getAttribute('data-segment-id');
      const lastTime = ((await last.locator('button.time').textContent()) ?? '').trim();
      expect(lastTime).not.toBe('0:00');
      await last.locator('button.time').click();
      const audio = page.getByTestId('player-audio');
      await expect
        .poll(
          () => audio.evaluate((element) => !(element as unknown as { paused: boolean }).paused),
          {
            timeout: 30_000,
          },
        )
        .toBe(true);
      await expect(page.getByTestId('player-time')).toContainText(new RegExp(`^${lastTime} sur`));
      await expect(page.locator('li[aria-current="time"]')).toHaveAttribute(
        'data-segment-id',
        lastId!,
      );
      await expect(last).toBeInViewport();
      await check(page, 'meeting-playing');
      // Back to the first line: the player seeks in meeting time and the highlight follows.
      const first = meeting.segments().first();
      await first.locator('button.time').click();
      await expect(page.locator('li[aria-current="time"]')).toHaveAttribute(
        'data-segment-id',
        (await first.getAttribute('data-segment-id'))!,
      );
      // The first clip holds 15 s: playing on from 0:12 crosses into the next clip without a
      // stop, and the highlight moves on to the line at 0:30 when the audio gets there.
      const player = page.getByTestId('player');
      const nowMs = async () => Number(await player.getAttribute('data-now-ms'));
      await page.getByRole('slider', { name: 'Position dans la réunion' }).fill('12000');
      await expect.poll(nowMs, { timeout: 30_000 }).toBeGreaterThan(16_000);
      await expect
        .poll(() =>
          audio.evaluate((element) => !(element as unknown as { paused: boolean }).paused),
        )
        .toBe(true);
      await page.getByRole('slider', { name: 'Position dans la réunion' }).fill('28000');
      await expect(page.locator('li[aria-current="time"]')).toHaveAttribute(
        'data-segment-id',
        lastId!,
        {
          timeout: 30_000,
        },
      );
      await page.getByTestId('player-toggle').click();
      await expect(page.getByTestId('player-toggle')).toHaveText('Lecture');

      // Editing a line and the delete confirmation are states too.
      await first.getByRole('button', { name: /Modifier/ }).click();
      await expect(first.locator('textarea')).toBeFocused();
      await check(page, 'meeting-editing');
      await first.getByRole('button', { name: 'Annuler' }).click();
      await page.getByRole('button', { name: 'Supprimer cette réunion' }).click();
      await expect(page.getByRole('alertdialog')).toBeVisible();
      await check(page, 'meeting-delete-confirm');
      await page.getByRole('button', { name: 'Annuler' }).click();

      // Exports: the date in French words, the file name transliterated.
      const md = await meeting.export('md');
      expect(md.name).toBe('Seance-des-oeuvres-sociales.md');
      const text = md.bytes.toString('utf8');
      expect(text).toMatch(/- Date\u202f: \w+ \d+ \w+ \d{4} à \d\d:\d\d/u);
      expect(text).not.toMatch(/\d{4}-\d\d-\d\dT/);
      const srt = (await meeting.export('srt')).bytes.toString('utf8');
      for (const cue of srt.trim().split('\n\n')) {
        const [, timing, ...lines] = cue.split('\n');
        const [from, to] = timing!.split(' --> ').map((t) => {
          const [h, m, rest] = t.split(':');
          return (Number(h) * 3600 + Number(m) * 60 + Number(rest!.replace(',', '.'))) * 1000;
        });
        expect(to! - from!).toBeLessThanOrEqual(7000);
        expect(lines.length).toBeLessThanOrEqual(2);
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(42);
      }

      await shell.go('meetings');
      await expect(page.locator('[data-meeting-id]')).toHaveCount(1);
      await check(page, 'meetings');

      await shell.go('ask');
      await check(page, 'ask');
      const ask = new AskPage(page);
      await ask.askTyped('Quel est le budget ?');
      await expect(ask.answer()).toBeVisible({ timeout: 120_000 });
      // Reading aloud either speaks, or is disabled and says that this computer has no voice.
      const readAloud = page.getByTestId('read-aloud');
      if (await readAloud.isDisabled()) {
        // Said under the form, or by the status once an answer tried to read itself.
        await expect(
          page.getByTestId('no-voice-reason').or(page.getByTestId('speech-status')),
        ).toContainText('Aucune voix de synthèse');
      } else {
        await readAloud.click();
        await expect(page.getByTestId('speech-status')).toHaveText(
          /Aucune voix de synthèse|Lecture de la réponse/,
        );
      }
      await check(page, 'ask-answered');

      // A wrong passphrase: French error, focus on the passphrase field (not the page body).
      await page.getByTestId('lock').click();
      await expect(page.getByRole('heading', { name: 'Déverrouiller le coffre' })).toBeVisible();
      await check(page, 'unlock');
      await unlock.unlock('pas la bonne phrase');
      await expect(page.getByRole('alert')).toContainText('Phrase secrète incorrecte');
      await expect(page.locator('input[name="passphrase"]')).toBeFocused();
      await check(page, 'unlock-wrong');
      await unlock.unlock(NEXT_PASSPHRASE);
      await expect(page.locator('[data-screen="meetings"] [data-meeting-id]')).toHaveCount(1);

      // The host stops: the page says so in French, not « Failed to fetch ».
      await host.stop();
      await page.locator('nav button[data-nav="settings"]').click();
      await expect(page.getByRole('alert').first()).toContainText(
        'Le service de Greffier ne répond pas.',
      );
      await check(page, 'host-stopped');
    } finally {
      await browser.close();
    }
  });
});
