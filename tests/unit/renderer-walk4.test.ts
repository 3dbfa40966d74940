import { describe, expect, it } from 'vitest';
import { importCalls } from '../../src/core/app/import-calls.js';
import { readAudit } from '../../src/core/audit/index.js';
import { questionCalls } from '../../src/core/app/questions.js';
import { AppDispatcher } from '../../src/core/app/service.js';
import type { AppSession } from '../../src/core/app/session.js';
import { ApiCallError } from '../../src/shared/api.js';
import { assessPassphrase, passphraseAdvice } from '../../src/shared/passphrase.js';
import { describeError } from '../../src/renderer/i18n/errors.js';
import { auditDetails } from '../../src/renderer/audit-details.js';
import { shortFingerprint } from '../../src/renderer/format.js';
import { decodingModeLabel } from '../../src/renderer/decoding-label.js';
import { translator } from '../../src/renderer/i18n/translate.js';
import { createTestVault, tempDir } from '../helpers/vault.js';

/**
 * What the fourth French walk found in the screens' words, pinned down
 * without a browser (the screens themselves: tests/e2e/browser.walk4.spec.ts).
 */
const fr = translator('fr');
const en = translator('en');
const spaces = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('the final decoding, as the screens name it', () => {
  it('says the beam size in force, not always 5 (finding 13: a policy of 3 read « 5 »)', () => {
    expect(decodingModeLabel({ beamSize: 3 }, fr)).toBe(
      'Précis, plus lent (recherche en faisceau, 3)',
    );
    expect(decodingModeLabel({ beamSize: 5 }, en)).toBe('Accurate, slower (beam search, 5)');
  });
  it('names greedy decoding, also when the beam size is left to the default', () => {
    expect(decodingModeLabel({ beamSize: 1 }, fr)).toBe('Rapide (recommandé)');
    expect(decodingModeLabel({}, fr)).toBe('Rapide (recommandé)');
  });
});

describe('a value refused at the door names its field and its range (finding 4)', () => {
  const said = async (name: string, input: unknown, locale: 'fr' | 'en' = 'fr') => {
    const d = new AppDispatcher();
    d.register({
      'settings.update': async () => ({ defaultLanguage: 'fr', autoLockMinutes: 10 }),
      // The real door: an empty file is refused before the vault is even asked for.
      ...importCalls({ onTeardown() {} } as unknown as AppSession),
    });
    const response = await d.call(name, input);
    if (response.ok) throw new Error(`${name} was accepted`);
    return { error: response.error, ...describeError(new ApiCallError(response.error), locale) };
  };

  it('says « Verrouiller après inactivité » takes 0 to 1440 minutes, for -5 and 5000', async () => {
    for (const autoLockMinutes of [-5, 5000]) {
      const { error, message, hint } = await said('settings.update', { autoLockMinutes });
      expect(error.code).toBe('value-out-of-range');
      expect(error.vars).toEqual({ field: 'autoLockMinutes', min: 0, max: 1440 });
      expect(spaces(message)).toBe(
        'La valeur de « Verrouiller après inactivité » doit être comprise entre 0 et 1 440 minutes.',
      );
      expect(hint).toBeTruthy();
    }
    const { message } = await said('settings.update', { autoLockMinutes: -5 }, 'en');
    expect(message).toBe('“Lock after inactivity” must be between 0 and 1,440 minutes.');
  });

  it('keeps the general words for a value no field of the screens carries', async () => {
    // A bounded number no screen field carries: the range is data, the words stay general.
    const seq = await said('recording.append', { meetingId: 'm1', seq: -1, pcm: 'AAAA' });
    expect(seq.message).toBe('Greffier a reçu une demande qu’il ne comprend pas.');
    const { error, message } = await said('vault.lock', { sneaky: true });
    expect(error.code).toBe('invalid-request');
    expect(message).toBe('Greffier a reçu une demande qu’il ne comprend pas.');
  });

  it('names an empty file and says what to do, instead of « une demande qu’il ne comprend pas »', async () => {
    const { error, message, hint } = await said('import.begin', { fileName: 'vide.mp3', size: 0 });
    expect(error.code).toBe('audio-empty');
    expect(spaces(message)).toBe(
      'Le fichier « vide.mp3 » est vide (0 octet) : il ne contient aucun enregistrement.',
    );
    expect(hint).toContain('Choisissez');
  });
});

describe('audit details read in words, not stored values (finding 11)', () => {
  const shown = (action: string, details: Record<string, unknown>, t = fr) =>
    auditDetails({ action, details: details as never }, t, t === fr ? 'fr' : 'en').map(
      (d) => `${d.label}: ${spaces(d.value)}${d.verbatim ? ' (verbatim)' : ''}`,
    );

  it('says the final decoding in the Settings words, not its JSON', () => {
    const [decoding] = shown('settings.changed', {
      finalDecoding: '{"beamSize":5,"fallback":true,"flashAttention":true}',
    });
    expect(decoding).toBe(
      'Décodage final: Précis, plus lent (recherche en faisceau, 5) · Reprendre un passage incertain : oui · Attention rapide (flash attention) : oui',
    );
    expect(decoding).not.toMatch(/[{}"]|beamSize/);
  });

  it('names a built-in template, an audio format and a speaker by number', () => {
    expect(shown('minutes.generated', { version: 1, template: 'general' })).toEqual([
      'Version: 1',
      'Modèle: Réunion générale',
    ]);
    expect(shown('audio.imported', { fileName: 'conseil.mp3', format: 'mp3' })).toEqual([
      'Fichier: conseil.mp3 (verbatim)',
      'Format: MP3',
    ]);
    expect(shown('speaker.added', { speakerId: 'p1' })).toEqual(['Intervenant: nᵒ 1']);
    expect(shown('speaker.added', { speakerId: 'p1' }, en)).toEqual(['Speaker: no. 1']);
  });

  it('calls a speaker added to the roster « ajouté », not « renommé »', () => {
    expect(fr('audit.action.speaker.added')).toBe('Intervenant ajouté');
    expect(en('audit.action.speaker.added')).toBe('Speaker added');
  });
});

describe('questions that cannot be answered say why (finding 18)', () => {
  it('names the kind of model missing', () => {
    const error = new ApiCallError({
      code: 'no-model',
      message: 'no language model',
      vars: { kind: 'llm' },
    });
    expect(spaces(describeError(error, 'fr').message)).toBe(
      'Le modèle nécessaire n’est pas installé : Modèle de langage.',
    );
    expect(describeError(error, 'en').message).toBe(
      'The model needed is not installed: Language model.',
    );
    // Without the kind (a job's English text), the general words stay.
    expect(describeError(new ApiCallError({ code: 'no-model', message: '' }), 'fr').message).toBe(
      'Aucun modèle de ce type n’est installé.',
    );
  });

  it('says there are no meetings yet instead of « nothing found »', async () => {
    const d = new AppDispatcher();
    const failed = new Promise<unknown>((resolve) =>
      d.onEvent((event, payload) => event === 'ask.failed' && resolve(payload)),
    );
    const session = {
      onTeardown() {},
      dispatcher: d,
      vault: { meetings: { list: () => [] } },
    } as unknown as AppSession;
    d.register(questionCalls(session));
    const response = await d.call('ask.question', { text: 'Le budget ?', language: 'fr' });
    expect(response.ok).toBe(true);
    const { error } = (await failed) as { error: { code: string } };
    expect(error.code).toBe('no-meetings');
    expect(describeError(new ApiCallError(error as never), 'fr').message).toContain(
      'Aucune réunion',
    );
  });
});

describe('the weak-passphrase line (finding 23)', () => {
  it('gives the reason, then the advice as its own sentence: no two brackets in a row', () => {
    const verdict = assessPassphrase('abcdefghij', { locale: 'fr' });
    const advice = passphraseAdvice(verdict);
    expect(spaces(advice)).toBe(
      'la phrase secrète est trop courte (10 caractères ; il en faut au moins 12). Choisissez plusieurs mots sans lien entre eux (quatre ou plus), par exemple « girafe cadastre lundi perce-neige ».',
    );
    expect(advice).not.toMatch(/\) \(/);
  });
  it('never breaks a line inside « », before « ; » or between a number and its word', () => {
    const advice = passphraseAdvice(assessPassphrase('abcdefghij', { locale: 'fr' }));
    expect(advice).not.toMatch(/« | »| ;|\d [a-z]|moins \d/);
  });
});

describe('a key fingerprint is written one way everywhere (finding 24)', () => {
  it('shows the audit trail’s fingerprint as the meeting page does: « 4B67 DB6F … »', () => {
    const fingerprint = '4b67db6f0123abcd'.padEnd(64, 'e');
    const [detail] = auditDetails(
      { action: 'minutes.approved', details: { fingerprint } },
      fr,
      'fr',
    );
    expect(detail!.value).toBe(shortFingerprint(fingerprint));
    expect(detail!.value).toBe('4B67 DB6F 0123 ABCD');
    expect(detail!.full).toBe(fingerprint);
  });
});

describe('the audit trail tells a speaker added from one renamed (finding 11)', () => {
  it('logs « speaker.added » for a new roster id, then « speaker.renamed »', async () => {
    const home = tempDir('greffier-walk4-');
    try {
      const { vault, meetings } = await createTestVault(home.path);
      const meeting = await meetings.create({ title: 'Séance', language: 'fr' });
      await meetings.renameSpeaker(meeting.id, 'p1', 'Mme Durand');
      await meetings.renameSpeaker(meeting.id, 'p1', 'Mme Dupont');
      const speakerEntries = (await readAudit(vault))
        .filter((entry) => entry.action.startsWith('speaker.'))
        .map((entry) => [entry.action, entry.details?.speakerId]);
      expect(speakerEntries).toEqual([
        ['speaker.added', 'p1'],
        ['speaker.renamed', 'p1'],
      ]);
    } finally {
      home.remove();
    }
  });
});
