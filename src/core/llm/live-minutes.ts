import { z } from 'zod';
import type { OpenVault } from '../meetings/index.js';
import type { Language } from '../../shared/transcript.js';
import type { MinutesTemplate } from '../../shared/minutes.js';
import type { ModelHost } from './host.js';
import {
  MinutesSession,
  type MinutesProgress,
  type SummarizeOptions,
  type SummarySegment,
} from './minutes.js';
import { jsonLine } from './prompts.js';
import type { ModelRef } from './protocol.js';

/**
 * Minutes made while a meeting is recorded: the live transcript's lines go
 * into a MinutesSession, whose chunk notes are written in the background and
 * saved (encrypted, in the meeting's own blob) after each chunk. After stop,
 * the summarize job reuses those notes for the part of the final transcript
 * that still says the same thing, so only the tail and the merge remain.
 */

export { LIVE_MINUTES_BLOB } from '../meetings/renames.js';
import { LIVE_MINUTES_BLOB } from '../meetings/renames.js';

type VaultParts = Pick<OpenVault, 'vault' | 'meetings'>;

const SegmentSchema = z.object({
  id: z.string(),
  startMs: z.number(),
  endMs: z.number(),
  text: z.string(),
  speaker: z.string().optional(),
});

const SavedSchema = z.object({
  language: z.enum(['fr', 'en']),
  template: z.string(),
  progress: z.object({
    meetingId: z.string(),
    contextSize: z.number(),
    chunks: z.number(),
    notes: z.array(
      z.object({
        line: z.string(),
        tokens: z.number(),
        ids: z.array(z.string()),
        speakers: z.array(z.string()),
      }),
    ),
    pending: z.array(z.object({ segment: SegmentSchema, tokens: z.number() })),
    summarised: z.array(SegmentSchema),
  }),
});

/** What the recording left for the summarize job. */
export type LiveMinutesState = z.infer<typeof SavedSchema>;

export interface LiveMinutesOptions {
  host: ModelHost;
  model: ModelRef;
  meetingId: string;
  meetingTitle?: string;
  language: Language;
  template: MinutesTemplate;
  onChunk?: (chunks: number) => void;
  /** A failure stops the live notes (the summarize job after stop still does the whole work). */
  onError?: (error: unknown) => void;
}

export class LiveMinutes {
  private queue: Promise<void> = Promise.resolve();
  private session: Promise<MinutesSession> | undefined;
  private readonly abort = new AbortController();
  private failed = false;
  private saved = 0;

  constructor(
    private readonly open: VaultParts,
    private readonly options: LiveMinutesOptions,
  ) {}

  /** Chunk notes written so far. */
  chunks = 0;

  /**
   * Live lines, in order. The work is serialised here (and every model call
   * goes through the host's one queue), so the progress saved after each
   * batch never includes lines the session has not counted yet.
   */
  add(segments: SummarySegment[]): void {
    if (segments.length === 0) return;
    this.queue = this.queue.then(async () => {
      if (this.failed || this.abort.signal.aborted) return;
      try {
        this.session ??= MinutesSession.start(this.sessionOptions());
        const session = await this.session;
        session.addSegments(segments);
        await session.idle();
        if (session.chunksDone > this.saved) {
          await this.save(session.progress());
          this.saved = session.chunksDone;
          this.chunks = session.chunksDone;
        }
      } catch (error) {
        this.failed = true;
        if (!this.abort.signal.aborted) this.options.onError?.(error);
      }
    });
  }

  /** Resolves once the notes queued so far are written and saved. */
  async settled(): Promise<void> {
    await this.queue;
  }

  /** Stops at once (vault locked, meeting deleted): notes already saved stay. */
  async cancel(): Promise<void> {
    this.abort.abort();
    await this.queue;
  }

  private sessionOptions(): SummarizeOptions {
    const { host, model, meetingId, meetingTitle, language, template, onChunk } = this.options;
    return {
      host,
      model,
      meetingId,
      language,
      template,
      signal: this.abort.signal,
      // Questions pre-empt these notes; live transcription and the final pass come first too.
      priority: 'notes',
      ...(meetingTitle === undefined ? {} : { meetingTitle }),
      ...(onChunk ? { onChunk } : {}),
    };
  }

  private async save(progress: MinutesProgress): Promise<void> {
    const state: LiveMinutesState = {
      language: this.options.language,
      template: this.options.template.id,
      progress,
    };
    await this.open.vault.writeMeetingBlob(
      this.options.meetingId,
      LIVE_MINUTES_BLOB,
      Buffer.from(JSON.stringify(state), 'utf8'),
    );
  }
}

/** The notes the recording saved for a meeting, if any (a damaged blob counts as none). */
export async function loadLiveMinutes(
  open: VaultParts,
  meetingId: string,
): Promise<LiveMinutesState | undefined> {
  const bytes = await open.vault.readMeetingBlob(meetingId, LIVE_MINUTES_BLOB);
  if (!bytes) return undefined;
  try {
    const parsed = SavedSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  } finally {
    bytes.fill(0);
  }
}

/** Below this word overlap the final pass heard something else: the live notes are not used. */
export const REUSE_SIMILARITY = 0.8;

/**
 * The live notes restated over the final transcript, or undefined when they
 * cannot be trusted for it.
 *
 * The final pass cuts the audio into other segments (other ids, other
 * boundaries) and may correct words, so matching is by time and by words:
 * the final segments whose middle falls within the audio the notes covered
 * must share at least REUSE_SIMILARITY of their words (as a multiset) with
 * the live lines the notes were made from. If they do, the notes stand for
 * those segments, with each cited live line replaced by the final segment
 * that overlaps it most; the rest of the transcript is summarised as usual.
 * If they do not, the job falls back to a full map-reduce of the final
 * transcript: notes are folded chunk into chunk, so there is no per-chunk
 * record to re-summarise only the changed part.
 */
export function reuseLiveNotes(
  state: LiveMinutesState,
  final: SummarySegment[],
  expected: { meetingId: string; language: Language; template: string },
): MinutesProgress | undefined {
  const { progress } = state;
  if (
    progress.meetingId !== expected.meetingId ||
    state.language !== expected.language ||
    state.template !== expected.template ||
    progress.notes.length === 0 ||
    progress.summarised.length === 0
  ) {
    return undefined;
  }
  const coveredUntil = Math.max(...progress.summarised.map((s) => s.endMs));
  const covered = final.filter((s) => (s.startMs + s.endMs) / 2 <= coveredUntil);
  if (covered.length === 0) return undefined;
  const similarity = wordOverlap(
    progress.summarised.map((s) => s.text).join(' '),
    covered.map((s) => s.text).join(' '),
  );
  if (similarity < REUSE_SIMILARITY) return undefined;
  const finalId = new Map(progress.summarised.map((s) => [s.id, closest(s, covered).id]));
  const remap = (ids: string[]) => [...new Set(ids.map((id) => finalId.get(id) ?? id))];
  return {
    meetingId: progress.meetingId,
    contextSize: progress.contextSize,
    chunks: progress.chunks,
    notes: progress.notes.map((note) => {
      const line = JSON.parse(note.line) as {
        decisions?: { segmentIds: string[] }[];
        actionItems?: { segmentIds: string[] }[];
      };
      for (const item of [...(line.decisions ?? []), ...(line.actionItems ?? [])]) {
        item.segmentIds = remap(item.segmentIds);
      }
      const ids = remap(note.ids);
      // Final ids may cost a token or two more than live ones: the budget keeps a margin.
      return { ...note, line: jsonLine(line), ids, tokens: note.tokens + 2 * ids.length };
    }),
    pending: [],
    summarised: covered,
  };
}

/** The final segment that overlaps a live line most (the nearest one if none does). */
function closest(live: SummarySegment, candidates: SummarySegment[]): SummarySegment {
  let best = candidates[0]!;
  let bestScore = -Infinity;
  for (const c of candidates) {
    const overlap = Math.min(c.endMs, live.endMs) - Math.max(c.startMs, live.startMs);
    const score =
      overlap > 0
        ? overlap
        : -Math.abs((c.startMs + c.endMs) / 2 - (live.startMs + live.endMs) / 2);
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/** Shared words over the longer text's words, as multisets (case and punctuation ignored). */
export function wordOverlap(a: string, b: string): number {
  const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const left = words(a);
  const right = words(b);
  if (left.length === 0 || right.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const w of left) counts.set(w, (counts.get(w) ?? 0) + 1);
  let shared = 0;
  for (const w of right) {
    const n = counts.get(w) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(w, n - 1);
    }
  }
  return shared / Math.max(left.length, right.length);
}
