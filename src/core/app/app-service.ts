import { exportCalls } from './export-calls.js';
import { importCalls } from './import-calls.js';
import { meetingCalls } from './meetings-calls.js';
import { minutesCalls } from './minutes-calls.js';
import { modelCalls } from './models-calls.js';
import { questionCalls } from './questions.js';
import { auditCalls } from './audit-calls.js';
import { recordCalls } from './record-calls.js';
import { scheduleRetention } from './retention-timer.js';
import { liveNotesChunks, recordingCalls } from './recording.js';
import { AppSession, type AppServiceOptions } from './session.js';
import { speechCalls } from './speech-calls.js';
import { vaultCalls } from './vault-calls.js';
import { voiceCalls } from './voices-calls.js';

export type { AppServiceOptions } from './session.js';

/**
 * The app's behaviour on top of core, shared by Electron's main process and
 * the browser host: one instance per window. It only puts the areas
 * together; each area registers its own calls of src/shared/api.ts on the
 * one session (vault, job queue, model host), and nothing here knows which
 * transport carried a call.
 */
export class AppService {
  private readonly session: AppSession;

  constructor(options: AppServiceOptions = {}) {
    this.session = new AppSession(options);
    const { dispatcher } = this.session;
    for (const area of [
      vaultCalls,
      recordingCalls,
      meetingCalls,
      modelCalls,
      minutesCalls,
      questionCalls,
      exportCalls,
      recordCalls,
      auditCalls,
      voiceCalls,
      importCalls,
      speechCalls,
    ]) {
      dispatcher.register(area(this.session));
    }
    scheduleRetention(this.session);
    dispatcher.register({
      'security.blocked': async () => dispatcher.blocked.list(),
      'security.reportBlocked': async ({ url, detail }) => {
        dispatcher.blocked.record({ url, by: 'csp', detail });
        return { ok: true };
      },
    });
  }

  get dispatcher() {
    return this.session.dispatcher;
  }

  /** Locks the vault (closing recordings first) and stops the model host. */
  close(): Promise<void> {
    return this.session.close();
  }

  /** Resolves once the job queue is empty (tests and shutdown wait on it). */
  idle(): Promise<void> {
    return this.session.idle();
  }

  /** Chunk notes written so far during a meeting's recording (0 without a language model). */
  liveMinutesChunks(meetingId: string): number {
    return liveNotesChunks(this.session, meetingId);
  }
}
