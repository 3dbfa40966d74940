import { describe, expect, it } from 'vitest';
import type { JobView } from '../../src/shared/api.js';
import type { MeetingSegment } from '../../src/shared/transcript.js';
import { canTranscribe, withJobProgress } from '../../src/renderer/meeting-status.js';
import { isLiveLine, mergeLiveLines } from '../../src/renderer/recording/live-lines.js';

/**
 * The meeting page right after a recording stops (the walk's findings 7 and
 * 30), pinned down without a browser: the page never offers a second
 * « Transcrire » while the transcription it has queued finishes, and the
 * lines shown before the transcript is stored follow the final pass window
 * by window.
 */
const transcribing: JobView = { id: 'j1', kind: 'transcribe', state: 'running', progress: 0.9 };
const stopped = { status: 'ready' as const, durationMs: 85_000, segments: [] as unknown[] };

describe('the transcribe button after stop', () => {
  it('is not offered while the transcription is queued or running', () => {
    expect(canTranscribe({ ...stopped, jobs: [transcribing] })).toBe(false);
    expect(canTranscribe({ ...stopped, jobs: [{ ...transcribing, state: 'queued' }] })).toBe(false);
  });

  it('is not offered between « transcription done » and the reload that brings its lines', () => {
    // job.progress says the job is done before meeting.changed has brought the transcript.
    const jobs = withJobProgress([transcribing], { ...transcribing, state: 'done' });
    expect(canTranscribe({ ...stopped, jobs })).toBe(false);
  });

  it('is offered for a meeting with audio and no transcript, nothing queued', () => {
    expect(canTranscribe({ ...stopped, jobs: [] })).toBe(true);
    expect(canTranscribe({ ...stopped, jobs: [{ ...transcribing, state: 'failed' }] })).toBe(true);
    expect(canTranscribe({ ...stopped, status: 'recording', jobs: [] })).toBe(false);
  });

  it('still follows a running job’s progress', () => {
    const jobs = withJobProgress([{ ...transcribing, progress: 0.2 }], transcribing);
    expect(jobs).toEqual([transcribing]);
    const summary: JobView = { id: 'j2', kind: 'summarize', state: 'queued' };
    expect(withJobProgress(jobs, summary)).toEqual([transcribing, summary]);
  });
});

const line = (id: string, startMs: number, endMs: number, text = id): MeetingSegment => ({
  id,
  startMs,
  endMs,
  text,
});

describe('provisional lines', () => {
  it('appends live lines, and a final window replaces the live lines of its stretch', () => {
    let lines = mergeLiveLines([], [line('live-1', 0, 4000), line('live-2', 4000, 8000)]);
    lines = mergeLiveLines(lines, [line('live-3', 28_000, 33_000)]);
    lines = mergeLiveLines(lines, [line('w0001-01', 0, 7000), line('w0001-02', 7000, 29_000)], {
      fromMs: 0,
      toMs: 30_000,
    });
    expect(lines.map((each) => each.id)).toEqual(['w0001-01', 'w0001-02', 'live-3']);
    expect(lines.map(isLiveLine)).toEqual([false, false, true]);
  });
});
