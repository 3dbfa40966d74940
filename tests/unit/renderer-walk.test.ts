import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumLanguage } from '../../src/core/app/locale.js';
import { checkNewPassphrase } from '../../src/core/vault/vault.js';
import { GreffierError } from '../../src/core/errors.js';
import { assessPassphrase } from '../../src/shared/passphrase.js';
import { auditDetails } from '../../src/renderer/audit-details.js';
import { channelCount, parseDay } from '../../src/renderer/format.js';
import { importFacts } from '../../src/renderer/import-facts.js';
import { translator } from '../../src/renderer/i18n/translate.js';
import { failedJobsToShow, meetingBadge } from '../../src/renderer/meeting-status.js';
import { templateFieldLabel } from '../../src/renderer/template-fields.js';
import { tempDir } from '../helpers/vault.js';

/**
 * What the French walk found in the screens' words, pinned down without a
 * browser: a meeting waiting for a model, the audit details, a template's
 * refused field, a passphrase refused by the machine policy, and the
 * language Chromium draws its own controls in.
 */
const fr = translator('fr');
const en = translator('en');
const spaces = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
const dir = tempDir('greffier-walk-');
afterAll(() => dir.remove());

describe('the meeting badge', () => {
  const waiting = {
    id: 'j1',
    kind: 'transcribe' as const,
    state: 'queued' as const,
    errorCode: 'no-asr-model',
  };
  it('says a meeting waits for a transcription model instead of « Prête »', () => {
    const badge = meetingBadge({ status: 'ready', jobs: [waiting] });
    expect(fr(badge.key)).toBe('En attente d’un modèle');
    expect(en(badge.key)).toBe('Waiting for a model');
    expect(badge.className).toBe('waiting');
  });
  it('keeps the status when nothing waits, or when the job only waits its turn', () => {
    expect(fr(meetingBadge({ status: 'ready', jobs: [] }).key)).toBe('Prête');
    const queued = { ...waiting, errorCode: undefined };
    expect(fr(meetingBadge({ status: 'ready', jobs: [queued] }).key)).toBe('Prête');
    expect(fr(meetingBadge({ status: 'recording', jobs: [] }).key)).toBe('Enregistrement');
  });
});

describe('audit details', () => {
  const shown = (action: string, details: Record<string, unknown>, locale: 'fr' | 'en' = 'fr') =>
    auditDetails({ action, details: details as never }, locale === 'fr' ? fr : en, locale).map(
      (d) => `${d.label}: ${spaces(d.value)}`,
    );

  it('names each detail in French and formats its value', () => {
    expect(shown('recording.stopped', { chunks: 1234, interrupted: false, failed: true })).toEqual([
      'Morceaux d’audio: 1 234',
      'Interrompu: non',
      'Échec d’écriture: oui',
    ]);
    expect(
      shown('archive.exported', { meetings: ['m1', 'm2'], file: 'a.greffier', bytes: 1_500_000 }),
    ).toEqual(['Réunions: m1, m2', 'Fichier: a.greffier', 'Taille: 1,5 Mo']);
    expect(
      shown('export.meeting', { what: 'meeting', format: 'md', fileName: 'x.md', signed: true }),
    ).toEqual(['Objet: réunion', 'Format: Markdown', 'Fichier: x.md', 'Signé: oui']);
    const [due] = shown('retention.deleted', { dueAt: '2026-03-03T18:00:00.000Z' });
    expect(due).toMatch(/^Échéance: 3 mars 2026/);
    expect(shown('retention.deleted', { part: 'audio' })).toEqual(['Partie: audio']);
    expect(shown('settings.changed', { defaultLanguage: '"en"', autoLockMinutes: '30' })).toEqual([
      'Langue par défaut: Anglais',
      'Verrouillage automatique (minutes): 30',
    ]);
    expect(shown('redaction.applied', { kinds: ['email', 'iban'] })).toEqual([
      'Types: adresse électronique, IBAN',
    ]);
    expect(shown('model.added', { kind: 'asr', sha256: 'ab'.repeat(32) })).toEqual([
      'Type: Transcription',
      `SHA-256: ${'ab'.repeat(8)}…`,
    ]);
    expect(shown('retention.changed', { rule: null })).toEqual(['Règle: aucune']);
  });

  it('speaks English in English, and still shows a key it does not know', () => {
    expect(shown('recording.stopped', { chunks: 3, interrupted: true }, 'en')).toEqual([
      'Audio chunks: 3',
      'Interrupted: yes',
    ]);
    expect(shown('vault.opened', { zorglub: 'x', later: 2 })).toEqual(['zorglub: x', 'later: 2']);
  });
});

describe('a day typed in the audit filter', () => {
  it('is read the French and British way, or as ISO, and a day that does not exist is refused', () => {
    expect(parseDay('03/11/2026')).toBe('2026-11-03');
    expect(parseDay(' 3.11.2026 ')).toBe('2026-11-03');
    expect(parseDay('2026-11-03')).toBe('2026-11-03');
    expect(parseDay('31/02/2026')).toBeUndefined();
    expect(parseDay('11/3/26')).toBeUndefined();
    expect(parseDay('demain')).toBeUndefined();
  });
});

describe('a refused template field', () => {
  it('is named with its label, not its path', () => {
    expect(spaces(templateFieldLabel('limits.decisions', fr))).toBe('Décisions (nombre maximal)');
    expect(templateFieldLabel('limits.decisions', en)).toBe('Decisions (maximum number)');
    expect(templateFieldLabel('retention.audioDays', fr)).toBe('Audio (jours de conservation)');
    expect(templateFieldLabel('instructions.fr', fr)).toBe('Consignes de rédaction — Français');
    expect(templateFieldLabel('name.en', en)).toBe('Name — English');
    expect(templateFieldLabel('somethingNew', fr)).toBe('somethingNew');
  });
});

describe('a passphrase refused by the machine policy', () => {
  const twelve = 'Vq7#mPz9!kLw';
  it('says the minimum is the policy’s, set by IT', () => {
    const verdict = assessPassphrase(twelve, { locale: 'fr', minLength: 16 });
    expect(verdict.ok).toBe(false);
    expect(spaces(verdict.problem ?? '')).toContain('au moins 16');
    expect(verdict.problem).toContain('politique de ce poste');
    expect(verdict.problem).toContain('service informatique');
    const english = assessPassphrase(twelve, { locale: 'en', minLength: 16 });
    expect(english.problem).toMatch(/at least 16.*this machine's policy, set by IT/);
    // The rule's own minimum names no policy.
    expect(assessPassphrase('Vq7#mPz', { locale: 'fr' }).problem).not.toContain('politique');
  });
  it('is refused with the policy’s own code', () => {
    const refuse = (minLength?: number) => {
      try {
        checkNewPassphrase(Buffer.from(twelve.slice(0, minLength ? 12 : 8)), {
          ...(minLength ? { minLength } : {}),
        });
      } catch (error) {
        return (error as GreffierError).code;
      }
      return 'accepted';
    };
    expect(refuse(16)).toBe('policy-passphrase-short');
    expect(refuse()).toBe('weak-passphrase');
  });
});

describe('the language Chromium draws its own controls in', () => {
  it('follows the machine policy, then the system', () => {
    const policy = join(dir.path, 'policy.json');
    writeFileSync(policy, JSON.stringify({ uiLanguage: 'fr' }));
    const none = join(dir.path, 'absent.json');
    expect(chromiumLanguage({ GREFFIER_POLICY: policy, LANG: 'en_US.UTF-8' })).toBe('fr');
    expect(chromiumLanguage({ GREFFIER_POLICY: none, LANG: 'fr_FR.UTF-8' })).toBe('fr');
    expect(chromiumLanguage({ GREFFIER_POLICY: none, LANG: 'en_US.UTF-8' })).toBe('en-GB');
  });
});

describe('what the import panel says of a file it cannot read', () => {
  const probe = {
    fileName: 'x.mp3',
    bytes: 50_000,
    container: 'unknown',
    codec: 'unknown',
    durationExact: false,
  };
  it('never shows the probe’s « unknown », and agrees in French', () => {
    expect(importFacts(probe, fr, 'fr')).toEqual({
      format: 'non reconnu',
      length: 'inconnue',
      channels: 'inconnus',
    });
    expect(importFacts(probe, en, 'en').format).toBe('not recognised');
    expect(importFacts({ ...probe, container: 'ogg' }, fr, 'fr').format).toBe(
      'OGG · codec inconnu',
    );
    expect(
      importFacts({ ...probe, container: 'mp4', codec: 'aac', channels: 2 }, fr, 'fr'),
    ).toMatchObject({
      format: 'MP4 · aac',
      channels: 'stéréo (2)',
    });
  });
});

describe('the channel count of a seat console', () => {
  it('is said in the singular for one channel', () => {
    expect(channelCount(1, fr)).toBe('1 canal');
    expect(channelCount(8, fr)).toBe('8 canaux');
    expect(channelCount(1, en)).toBe('1 channel');
    expect(channelCount(2, en)).toBe('2 channels');
  });
});

describe('a transcription that failed twice', () => {
  it('is reported once, by its latest failure, in words that fit every step', () => {
    const jobs = [
      { id: 'j1', kind: 'transcribe' as const, state: 'failed' as const, error: 'first' },
      { id: 'j2', kind: 'summarize' as const, state: 'done' as const },
      { id: 'j3', kind: 'transcribe' as const, state: 'failed' as const, error: 'again' },
    ];
    expect(failedJobsToShow(jobs).map((job) => job.id)).toEqual(['j3']);
    // « Intervenants a échoué » was the diarization step's note.
    expect(spaces(fr('job.failed', { job: fr('job.diarize') }))).toBe(
      'Échec de l’étape « Intervenants ».',
    );
  });
});
