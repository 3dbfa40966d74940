/**
 * A speaker named after the minutes were written: the minutes say the name
 * the transcript had then (« Intervenant A », « Canal 2 »), because the model
 * read names, not roster ids. Renaming replaces the old name with the new one
 * in the draft minutes and in the notes kept for them, so the minutes, their
 * exports and what the next minutes are written from all say the new name
 * without regenerating. Submitted or approved minutes are the official record
 * and are never rewritten: renaming is refused there (see renameSpeaker).
 */

import { jsonLine } from '../text/json-line.js';

/** The blob where the recording keeps its chunk notes for the minutes (src/core/llm/live-minutes.ts). */
export const LIVE_MINUTES_BLOB = 'live-minutes';

/** Fields of the minutes that are ids, codes or dates: never a speaker's name. */
const NOT_TEXT = new Set([
  'meetingId',
  'language',
  'template',
  'generatedAt',
  'model',
  'segmentIds',
]);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The old name as a whole name only: « Intervenant A » is not part of
 * « Intervenant AB », nor « Martin » of « Martinez ».
 */
function namePattern(from: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(from)}(?![\\p{L}\\p{N}])`, 'gu');
}

function renameIn(value: unknown, pattern: RegExp, to: string, skip: Set<string>): unknown {
  if (typeof value === 'string') return value.replace(pattern, () => to);
  if (Array.isArray(value)) return value.map((item) => renameIn(item, pattern, to, skip));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        skip.has(key) ? item : renameIn(item, pattern, to, skip),
      ]),
    );
  }
  return value;
}

/**
 * The minutes (any JSON shaped like them) with every whole occurrence of a
 * speaker's old name replaced by the new one; `changed` says whether any was.
 */
export function renameInMinutes(
  minutes: unknown,
  from: string,
  to: string,
): { minutes: unknown; changed: boolean } {
  return renameSkipping(minutes, from, to, NOT_TEXT);
}

function renameSkipping(
  value: unknown,
  from: string,
  to: string,
  skip: Set<string>,
): { minutes: unknown; changed: boolean } {
  const minutes = value;
  if (!from || from === to) return { minutes, changed: false };
  const renamed = renameIn(minutes, namePattern(from), to, skip);
  return { minutes: renamed, changed: JSON.stringify(renamed) !== JSON.stringify(minutes) };
}

/**
 * The same for the recording's notes: their lines are JSON text inside JSON,
 * so each line is read, renamed and written back as the notes write it.
 */
export function renameInLiveNotes(
  state: unknown,
  from: string,
  to: string,
): { state: unknown; changed: boolean } {
  // The lines are JSON text: renamed below as values, never as raw text.
  const { minutes: renamed, changed } = renameSkipping(
    state,
    from,
    to,
    new Set([...NOT_TEXT, 'line']),
  );
  const notes = (renamed as { progress?: { notes?: { line?: unknown }[] } }).progress?.notes;
  let linesChanged = false;
  for (const note of notes ?? []) {
    if (typeof note.line !== 'string') continue;
    let line: unknown;
    try {
      line = JSON.parse(note.line);
    } catch {
      continue;
    }
    const result = renameInMinutes(line, from, to);
    if (result.changed) {
      note.line = jsonLine(result.minutes);
      linesChanged = true;
    }
  }
  return { state: renamed, changed: changed || linesChanged };
}
