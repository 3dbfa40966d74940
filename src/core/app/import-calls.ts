import { randomUUID } from 'node:crypto';
import { probeAudio } from '../audio/probe.js';
import { progressView } from '../audio/progress.js';
import type { AudioWarning } from '../audio/stream.js';
import { GreffierError } from '../errors.js';
import { importAudio } from '../meetings/import.js';
import { queueStep } from '../pipeline/pipeline.js';
import { SealedStaging } from './import-staging.js';
import { toApiError, type Handlers } from './service.js';
import type { AppSession } from './session.js';
import type { LanguageChoice } from '../../shared/transcript.js';

interface Upload {
  fileName: string;
  staging: SealedStaging;
  /** Set once the import runs: cancel aborts it and waits for the half meeting to go. */
  running?: { controller: AbortController; done: Promise<void> };
}

/** At most this many uploads wait at once: each holds a sealed file in the temp folder. */
const MAX_UPLOADS = 4;

/**
 * Importing a recording from the window, through the same core as
 * `greffier import` (meetings/import.ts): the file arrives in chunks into a
 * sealed staging area (import-staging.ts), is probed, then streamed into a
 * new meeting's encrypted journal, and the meeting is queued for
 * transcription exactly as a recording is after stop.
 */
export function importCalls(session: AppSession): Handlers {
  const uploads = new Map<string, Upload>();

  const uploadOf = (importId: string): Upload => {
    const upload = uploads.get(importId);
    if (!upload) {
      throw new GreffierError('import-upload', `There is no upload ${importId} in progress.`, {
        hint: 'Choose the file again; nothing was imported.',
      });
    }
    return upload;
  };

  const discard = async (importId: string) => {
    const upload = uploads.get(importId);
    uploads.delete(importId);
    await upload?.staging.discard();
  };

  const cancel = async (importId: string) => {
    const upload = uploads.get(importId);
    if (upload?.running) {
      upload.running.controller.abort();
      await upload.running.done;
    }
    await discard(importId);
  };

  session.onTeardown(async () => {
    for (const importId of [...uploads.keys()]) await cancel(importId);
  });

  const run = async (importId: string, upload: Upload, title: string, language: LanguageChoice) => {
    const { meetings, jobs } = session.vault;
    const startedAt = Date.now();
    const warnings: AudioWarning[] = [];
    let shown = -1;
    try {
      const meeting = await importAudio(
        meetings,
        upload.fileName,
        { title, language },
        {
          source: upload.staging,
          signal: upload.running!.controller.signal,
          onWarning: (warning) => warnings.push(warning),
          onProgress: (progress) => {
            const view = progressView(progress, startedAt);
            // One event per percent: enough for a bar, few enough for the window.
            const percent = Math.floor(view.fraction * 100);
            if (percent === shown) return;
            shown = percent;
            session.dispatcher.emit('import.progress', {
              importId,
              fraction: view.fraction,
              decodedMs: view.decodedMs,
              ...(view.etaMs !== undefined ? { etaMs: view.etaMs } : {}),
            });
          },
        },
      );
      // Queued even without a speech model, as after a recording: it runs once one is installed.
      await queueStep(jobs, 'transcribe', meeting.id);
      session.dispatcher.emit('meeting.changed', { meetingId: meeting.id });
      session.kickJobs();
      session.dispatcher.emit('import.finished', {
        importId,
        meetingId: meeting.id,
        warnings: warnings.map(({ kind, atMs }) => ({ kind, atMs })),
      });
    } catch (error) {
      // importAudio has already removed the half-made meeting.
      session.dispatcher.emit('import.failed', {
        importId,
        error: toApiError('import.start', error),
      });
    } finally {
      uploads.delete(importId);
      await upload.staging.discard();
    }
  };

  return {
    'import.begin': async ({ fileName, size }) => {
      if (size === 0) {
        throw new GreffierError(
          'audio-empty',
          `"${fileName}" is empty (0 bytes): it holds no recording.`,
          {
            hint: 'Choose the recording itself; if it was copied, copy it again from the recorder.',
            vars: { file: fileName },
          },
        );
      }
      // Uploads only into an open vault: its meetings are where the import goes.
      void session.vault;
      if (uploads.size >= MAX_UPLOADS) {
        throw new GreffierError('import-upload', 'Too many imports are already under way.', {
          hint: 'Wait for them to finish, or cancel one, then choose the file again.',
        });
      }
      const importId = randomUUID();
      uploads.set(importId, { fileName, staging: new SealedStaging(size) });
      return { importId };
    },

    'import.chunk': async ({ importId, offset, base64 }) => {
      const { staging } = uploadOf(importId);
      const bytes = Buffer.from(base64, 'base64');
      // A chunk sent again after a lost answer is acknowledged, not stored twice.
      if (offset + bytes.length <= staging.receivedBytes) {
        return { received: staging.receivedBytes };
      }
      if (offset !== staging.receivedBytes) {
        await discard(importId);
        throw new GreffierError(
          'import-upload',
          `Part of the file never arrived (expected byte ${staging.receivedBytes}, got ${offset}).`,
          { hint: 'Choose the file again; nothing was imported.' },
        );
      }
      try {
        await staging.append(bytes);
      } catch (error) {
        await discard(importId);
        throw error;
      } finally {
        bytes.fill(0);
      }
      return { received: staging.receivedBytes };
    },

    'import.probe': async ({ importId }) => {
      const upload = uploadOf(importId);
      if (!upload.staging.complete) {
        throw new GreffierError('import-upload', 'The file has not been fully sent yet.', {
          hint: 'Wait for the upload to finish, or choose the file again.',
        });
      }
      let info;
      try {
        info = await probeAudio(upload.fileName, upload.staging);
      } catch (error) {
        await discard(importId);
        throw error;
      }
      // A refused file is not kept a moment longer than needed.
      if (info.refusal) await discard(importId);
      return {
        fileName: upload.fileName,
        bytes: info.bytes,
        container: info.container,
        codec: info.codec,
        ...(info.sampleRate !== undefined ? { sampleRate: info.sampleRate } : {}),
        ...(info.channels !== undefined ? { channels: info.channels } : {}),
        ...(info.durationMs !== undefined ? { durationMs: info.durationMs } : {}),
        durationExact: info.durationExact,
        ...(info.refusal ? { refusal: toApiError('import.probe', info.refusal) } : {}),
      };
    },

    'import.start': async ({ importId, title, language }) => {
      const upload = uploadOf(importId);
      if (upload.running) {
        throw new GreffierError('import-upload', 'This file is already being imported.', {
          hint: 'Wait for the import to finish.',
        });
      }
      if (!upload.staging.complete) {
        throw new GreffierError('import-upload', 'The file has not been fully sent yet.', {
          hint: 'Wait for the upload to finish, or choose the file again.',
        });
      }
      const controller = new AbortController();
      upload.running = { controller, done: Promise.resolve() };
      upload.running.done = run(importId, upload, title, language);
      return { ok: true };
    },

    'import.cancel': async ({ importId }) => {
      await cancel(importId);
      return { ok: true };
    },
  };
}
