import type { Minutes } from '../../shared/minutes.js';
import type { MinutesSource, MinutesVersion } from '../../shared/record.js';
import { sha256Json } from './hash.js';

/**
 * The earlier texts of the minutes the record keeps: each generated, edited
 * or restored draft (an event's copy) and each submitted version's fixed
 * minutes. Pure functions over the stored versions, shared by the history
 * (what can be restored) and the restore itself (src/core/record/drafts.ts).
 */

/** The text a source points at, when the record still holds it. */
export function minutesAt(versions: MinutesVersion[], source: MinutesSource): Minutes | undefined {
  const version = versions.find((v) => v.version === source.version);
  if (!version) return undefined;
  return source.event === undefined ? version.minutes : version.events[source.event]?.minutes;
}

/** Every source in the record, oldest first. */
function sources(versions: MinutesVersion[]): { source: MinutesSource; minutes: Minutes }[] {
  return versions.flatMap((v) => [
    ...v.events.flatMap((e, event) =>
      e.minutes ? [{ source: { version: v.version, event }, minutes: e.minutes }] : [],
    ),
    ...(v.minutes ? [{ source: { version: v.version }, minutes: v.minutes }] : []),
  ]);
}

/**
 * The sources whose text differs from the current draft, each text once (its
 * latest copy): only a draft or returned version can take one back.
 */
export function restorableSources(
  versions: MinutesVersion[],
  current: Minutes | undefined,
): MinutesSource[] {
  const last = versions.at(-1);
  if (!last || (last.status !== 'draft' && last.status !== 'returned')) return [];
  const currentHash = current ? sha256Json(current) : undefined;
  const seen = new Set<string>(currentHash ? [currentHash] : []);
  const out: MinutesSource[] = [];
  for (const { source, minutes } of sources(versions).reverse()) {
    const hash = sha256Json(minutes);
    if (seen.has(hash)) continue;
    seen.add(hash);
    out.unshift(source);
  }
  return out;
}

/** True when the record already keeps this text (so writing over it loses nothing). */
export function isKept(versions: MinutesVersion[], minutes: Minutes): boolean {
  const hash = sha256Json(minutes);
  return sources(versions).some((s) => sha256Json(s.minutes) === hash);
}

/** Two texts of the minutes are the same when their canonical JSON is. */
export function sameMinutes(a: Minutes, b: Minutes): boolean {
  return sha256Json(a) === sha256Json(b);
}
