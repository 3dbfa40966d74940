import { mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GreffierError } from '../errors.js';
import { newKey, zero } from '../vault/crypto.js';
import { backupPath } from '../vault/durable.js';
import { readSealedFile, writeSealedFile } from '../vault/sealed.js';
import type { Vault } from '../vault/vault.js';
import { voiceSimilarity } from './voices.js';

/**
 * Remembered voices: a voiceprint is biometric data, so it is kept only for
 * a person who consented (who, when, what was said is recorded), sealed in
 * its own file with its own key, and that key lives only in the vault's
 * catalogue. Forgetting a voice (or withdrawing consent) removes the key
 * from the catalogue and its backups: the sealed file can no longer be
 * opened by anyone, then it is removed too. Voiceprints are compared only
 * with voiceprints of the same model (its SHA-256 is kept beside them).
 */

export interface VoiceConsent {
  /** Who gave the consent (the person, or who recorded it for them). */
  by: string;
  /** What was agreed, e.g. "oral consent at the council session of 12 May". */
  note: string;
}

export interface RememberedVoice {
  id: string;
  name: string;
  consent: VoiceConsent & { at: string };
  /** SHA-256 of the voiceprint model the vector comes from. */
  model: string;
  createdAt: string;
}

export interface VoiceSuggestion {
  /** The meeting's speaker (roster id) the voice was heard as. */
  speakerId: string;
  voiceId: string;
  name: string;
  /** Cosine similarity of the voiceprints, 0..1. */
  score: number;
}

const VOICE_SCHEMA_VERSION = 1;
/** Cosine similarity from which a remembered voice is suggested (the clerk still confirms). */
export const SUGGEST_FROM = 0.75;

function voicePath(vault: Vault, id: string): string {
  return join(vault.dir, 'voices', `${id}.enc`);
}

function noVoice(id: string): GreffierError {
  return new GreffierError('no-voice', `there is no remembered voice "${id}"`, {
    hint: 'list the remembered voices with "greffier voices list"',
  });
}

export function listVoices(vault: Vault): RememberedVoice[] {
  return Object.values(vault.data.voices ?? {})
    .map(({ key: _key, ...voice }) => voice)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Who consented, or the refusal: checked before any voiceprint is even made. */
export function requireConsent(name: string, consent: VoiceConsent): string {
  const by = consent.by.trim();
  if (!by) {
    throw new GreffierError(
      'voice-consent-missing',
      `the voice of ${name} cannot be kept without the person's consent`,
      { hint: 'record who consented (and how) before keeping a voice', exitCode: 2 },
    );
  }
  return by;
}

/**
 * Keeps a named speaker's voiceprint, with the consent given. Refused
 * without a consent that says who gave it.
 */
export async function rememberVoice(
  vault: Vault,
  input: { name: string; vector: number[]; model: string; consent: VoiceConsent },
): Promise<RememberedVoice> {
  const by = requireConsent(input.name, input.consent);
  const id = `v${randomBytes(8).toString('hex')}`;
  const key = newKey();
  const bytes = Buffer.from(Float32Array.from(input.vector).buffer);
  try {
    await mkdir(join(vault.dir, 'voices'), { recursive: true, mode: 0o700 });
    // No backup copy: a second file holding the voiceprint would outlive the key's removal for nothing.
    await writeSealedFile(voicePath(vault, id), key, `voice/${id}`, VOICE_SCHEMA_VERSION, bytes, {
      backup: false,
    });
    const now = new Date().toISOString();
    const record = {
      id,
      name: input.name.trim(),
      consent: { at: now, by, note: input.consent.note.trim() },
      model: input.model,
      createdAt: now,
    };
    vault.data.voices = {
      ...(vault.data.voices ?? {}),
      [id]: { ...record, key: key.toString('base64') },
    };
    await vault.save();
    return record;
  } finally {
    bytes.fill(0);
    zero(key);
  }
}

export async function readVoiceprint(vault: Vault, id: string): Promise<Float32Array> {
  const record = vault.data.voices?.[id];
  if (!record) throw noVoice(id);
  const key = Buffer.from(record.key, 'base64');
  try {
    const bytes = await readSealedFile(
      voicePath(vault, id),
      key,
      `voice/${id}`,
      VOICE_SCHEMA_VERSION,
      `voiceprint of ${record.name}`,
    );
    if (!bytes) throw noVoice(id);
    const vector = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    bytes.fill(0);
    return vector;
  } finally {
    zero(key);
  }
}

/**
 * Forgets a voice (deletion, or consent withdrawn): its key leaves the
 * catalogue and the catalogue's backups first, so the sealed voiceprint is
 * unreadable from that moment; then the file goes.
 */
export async function forgetVoice(vault: Vault, id: string): Promise<void> {
  if (!vault.data.voices?.[id]) throw noVoice(id);
  await vault.forgetSealed((data) => {
    delete data.voices![id];
  });
  await rm(voicePath(vault, id), { force: true });
  await rm(backupPath(voicePath(vault, id)), { force: true });
}

/**
 * Suggestions for a meeting's voices: each speaker heard gets the closest
 * remembered voice of the same model when it is similar enough, each
 * remembered voice at most once (to its closest speaker). Nothing is
 * suggested when no voice is on file.
 */
export async function suggestVoices(
  vault: Vault,
  heard: { speakerId: string; vector: ArrayLike<number> }[],
  model: string,
  from = SUGGEST_FROM,
): Promise<VoiceSuggestion[]> {
  const voices = listVoices(vault).filter((v) => v.model === model);
  const pairs: VoiceSuggestion[] = [];
  for (const voice of voices) {
    const print = await readVoiceprint(vault, voice.id);
    for (const speaker of heard) {
      const score = voiceSimilarity(print, speaker.vector);
      if (score >= from) {
        pairs.push({ speakerId: speaker.speakerId, voiceId: voice.id, name: voice.name, score });
      }
    }
    print.fill(0);
  }
  pairs.sort((a, b) => b.score - a.score);
  const usedSpeakers = new Set<string>();
  const usedVoices = new Set<string>();
  const out: VoiceSuggestion[] = [];
  for (const pair of pairs) {
    if (usedSpeakers.has(pair.speakerId) || usedVoices.has(pair.voiceId)) continue;
    usedSpeakers.add(pair.speakerId);
    usedVoices.add(pair.voiceId);
    out.push({ ...pair, score: Math.round(pair.score * 1000) / 1000 });
  }
  return out;
}
