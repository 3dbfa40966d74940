import { GreffierError } from '../errors.js';
import { machinePolicy, type MachinePolicy } from '../policy.js';
import { ModelHost, type HostLauncher } from '../llm/host.js';
import type { LiveMinutes } from '../llm/live-minutes.js';
import type { OpenVault } from '../meetings/index.js';
import { vaultModelSource, type ModelSource } from '../models/source.js';
import { meetingPipeline, runPipeline } from '../pipeline/pipeline.js';
import { defaultThreads } from '../threads.js';
import { recordRetentionSource } from '../record/retention-source.js';
import type { RetentionSource } from '../retention/index.js';
import type { KdfCost } from '../vault/index.js';
import { locateVault } from '../vault/location.js';
import type { Job, ModelKind } from '../../shared/meetings.js';
import type { JobView } from '../../shared/api.js';
import { Scheduler } from '../scheduler/index.js';
import { AppDispatcher } from './service.js';
import { showFinalWindow } from './window-lines.js';

export interface AppServiceOptions {
  env?: NodeJS.ProcessEnv;
  /** GREFFIER_HOME (the vault is its "vault" folder); the environment's otherwise. */
  home?: string;
  version?: string;
  /** Scrypt cost for new vaults (tests lower it; the default is the vault's). */
  kdf?: KdfCost;
  /**
   * Models to use when the vault has none installed for a kind: development
   * and tests pass generated models here (devhost --asr-model/--llm-model).
   */
  fallbackModels?: Partial<Record<ModelKind, string>>;
  threads?: number;
  /** How the model host process starts: utilityProcess under Electron, fork in Node. */
  hostLauncher?: HostLauncher;
  /** Retention rules from elsewhere (templates) and approval dates; the meeting's own rule comes first. */
  retention?: RetentionSource;
  /** How often retention runs while the vault is open (default hourly); it also runs at unlock. */
  retentionEveryMs?: number;
}

/**
 * What every area of the app shares while a window is open: the unlocked
 * vault, the model host, the models it may load and the one job queue. Each
 * area (vault, recording, meetings, models, minutes, questions, exports)
 * registers its calls on top of this and knows nothing of the others.
 */
export class AppSession {
  readonly dispatcher = new AppDispatcher();
  readonly env: NodeJS.ProcessEnv;
  /** Notes written from the live transcript, until the meeting's minutes step takes them. */
  readonly liveNotes = new Map<string, LiveMinutes>();
  /** The two cores: live transcription, questions, the final pass and notes take turns here. */
  readonly scheduler = new Scheduler();
  /** A recording's final pass finishing its tail after stop: the transcribe job waits for it. */
  readonly finalPasses = new Map<string, Promise<void>>();
  private open: OpenVault | undefined;
  private location: string | undefined;
  private host: ModelHost | undefined;
  private readonly progress = new Map<string, number>();
  private jobLoop: Promise<void> | undefined;
  private readonly teardowns: (() => Promise<void> | void)[] = [];
  private readonly adopted: ((open: OpenVault) => void)[] = [];

  constructor(readonly options: AppServiceOptions = {}) {
    this.env = options.env ?? process.env;
    // A bad machine policy stops the app here, naming the field (src/core/policy.ts).
    machinePolicy(this.env);
  }

  /** The machine policy in force (read again each time: IT may correct the file). */
  get policy(): MachinePolicy {
    return machinePolicy(this.env);
  }

  /**
   * The vault folder, decided by core/vault/location like the CLI's (an old
   * app vault at GREFFIER_HOME itself is moved into place on first use).
   */
  get vaultDir(): string {
    this.location ??= locateVault(this.homeEnv).dir;
    return this.location;
  }

  /** The environment with GREFFIER_HOME set as this app was told (homePaths reads it). */
  get homeEnv(): NodeJS.ProcessEnv {
    return this.options.home ? { ...this.env, GREFFIER_HOME: this.options.home } : this.env;
  }

  get threads(): number {
    return this.options.threads ?? defaultThreads();
  }

  get unlocked(): boolean {
    return Boolean(this.open && !this.open.vault.isLocked);
  }

  /** The unlocked vault; every call that needs it says "locked" the same way. */
  get vault(): OpenVault {
    if (!this.open || this.open.vault.isLocked) {
      this.open = undefined;
      throw new GreffierError('vault-locked', 'The vault is locked.', {
        hint: 'Unlock it with its passphrase to continue.',
      });
    }
    this.open.vault.touch();
    return this.open;
  }

  modelHost(): ModelHost {
    this.host ??= new ModelHost({
      ...(this.options.hostLauncher ? { launcher: this.options.hostLauncher } : {}),
      scheduler: this.scheduler,
    });
    return this.host;
  }

  /** The models this vault may load: installed ones re-verified, development fallbacks after. */
  models(): ModelSource {
    return vaultModelSource(this.vault, {
      ...(this.options.fallbackModels ? { fallback: this.options.fallbackModels } : {}),
      env: this.env,
    });
  }

  /** Whether a kind is available, without throwing when the vault is locked. */
  hasModel(kind: ModelKind): boolean {
    return this.unlocked && this.models().has(kind);
  }

  /** Retention's view of the record: templates' rules and approval dates (tests may pass their own). */
  async retentionSource(open: OpenVault = this.vault): Promise<RetentionSource> {
    return this.options.retention ?? recordRetentionSource(open);
  }

  /** Runs each time a vault is unlocked (retention applies at unlock). */
  onAdopt(hook: (open: OpenVault) => void): void {
    this.adopted.push(hook);
  }

  /** Runs when the vault locks (recordings stop, live notes are dropped). */
  onTeardown(teardown: () => Promise<void> | void): void {
    this.teardowns.push(teardown);
  }

  private async teardown(): Promise<void> {
    for (const teardown of this.teardowns) await teardown();
    for (const notes of this.liveNotes.values()) await notes.cancel();
    this.liveNotes.clear();
  }

  adopt(open: OpenVault): void {
    this.open = open;
    open.vault.onLock((reason) => {
      if (this.open === open) this.open = undefined;
      void this.teardown();
      this.dispatcher.emit('vault.locked', { reason: reason === 'idle' ? 'idle' : 'user' });
    });
    // Jobs left by a previous session (or a crash) resume as soon as the vault opens.
    this.kickJobs();
    for (const hook of this.adopted) hook(open);
  }

  /** Locks the vault (closing recordings first) and stops the model host. */
  async close(): Promise<void> {
    await this.teardown();
    await this.open?.vault.lock();
    this.open = undefined;
    await this.host?.close();
    this.host = undefined;
  }

  // ---------------------------------------------------------------- jobs

  jobView(job: Job): JobView {
    const progress = this.progress.get(job.id);
    return {
      id: job.id,
      kind: job.kind,
      state: job.state,
      ...(job.error ? { error: job.error } : {}),
      ...(job.errorCode ? { errorCode: job.errorCode } : {}),
      ...(progress === undefined || job.state !== 'running' ? {} : { progress }),
    };
  }

  jobViews(meetingId: string): JobView[] {
    return this.vault.jobs.list({ meetingId }).map((job) => this.jobView(job));
  }

  /** Runs the queue in the background, one job at a time (engines never fight for two cores). */
  kickJobs(): void {
    if (this.jobLoop) {
      this.rerun = true;
      return;
    }
    // The reset hangs off the promise so it always runs after the assignment.
    this.jobLoop = this.runJobs().finally(() => {
      this.jobLoop = undefined;
      if (this.rerun && this.unlocked) this.kickJobs();
    });
  }

  private rerun = false;

  private async runJobs(): Promise<void> {
    this.rerun = false;
    const open = this.open;
    if (!open || open.vault.isLocked) return;
    const handlers = meetingPipeline({
      models: this.models(),
      host: () => this.modelHost(),
      threads: this.threads,
      env: this.env,
      onProgress: (job, fraction) => this.reportProgress(job, fraction),
      onTranscribeWindow: (job, window) =>
        showFinalWindow(open, this.dispatcher, job.meetingId, window),
      scheduler: this.scheduler,
      beforeTranscribe: async (meetingId) => {
        await this.finalPasses.get(meetingId)?.catch(() => undefined);
        this.finalPasses.delete(meetingId);
      },
      beforeMinutes: async (meetingId) => {
        const notes = this.liveNotes.get(meetingId);
        if (!notes) return;
        await notes.settled();
        this.liveNotes.delete(meetingId);
      },
    });
    try {
      await runPipeline(open, handlers, {
        onStart: (job) => this.dispatcher.emit('meeting.changed', { meetingId: job.meetingId }),
        onDone: (done) => {
          this.progress.delete(done.id);
          if (open.vault.isLocked) return;
          this.dispatcher.emit('job.progress', {
            meetingId: done.meetingId,
            job: this.jobView(done),
          });
          this.dispatcher.emit('meeting.changed', { meetingId: done.meetingId });
        },
      });
    } catch {
      // A job's failure is recorded on the job itself; the loop only stops on lock.
    }
  }

  /** Resolves once the job queue is empty (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.jobLoop) await this.jobLoop;
  }

  private reportProgress(job: Job, fraction: number): void {
    const clamped = Math.max(0, Math.min(1, fraction));
    this.progress.set(job.id, clamped);
    this.dispatcher.emit('job.progress', {
      meetingId: job.meetingId,
      job: { id: job.id, kind: job.kind, state: 'running', progress: clamped },
    });
  }
}
