import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GreffierError } from '../errors.js';
import { locateVault } from '../vault/location.js';
import { encodeWav16, int16FromBase64, SAMPLE_RATE } from '../audio/index.js';
import { transcribePcm } from '../asr/index.js';
import { Vault, type KdfCost } from '../vault/index.js';
import { unwrapMasterKey } from '../vault/header.js';
import { zero } from '../vault/crypto.js';
import { attach, createVault, type OpenVault } from '../meetings/index.js';
import type { JobHandlers } from '../meetings/index.js';
import { readMeetingSamples, transcribeJobHandler } from '../meetings/transcription.js';
import type { Job, Meeting, ModelKind } from '../../shared/meetings.js';
import { MinutesSchema } from '../../shared/minutes.js';
import type { JobView, MeetingView, ModelView } from '../../shared/api.js';
import type { LanguageChoice } from '../../shared/transcript.js';
import { ModelHost, type HostLauncher } from '../llm/host.js';
import { LiveMinutes } from '../llm/live-minutes.js';
import { summarizeJobHandler } from '../llm/meeting-minutes.js';
import { listTemplates, loadTemplate } from '../llm/prompts.js';
import { indexJobHandler } from '../search/store.js';
import { detectLanguage } from '../search/text.js';
import { installModel, installedModelViews, modelForLoading } from '../models/installed.js';
import { detectModelFormat, verifyModelFile } from '../models/verify.js';
import { answerQuestion } from './answer.js';
import { AppDispatcher, toApiError } from './service.js';
import { systemUiLocale } from './locale.js';
import { LiveTranscriber, withSpeakers } from './live.js';
import {
  exportFileName,
  toPdf,
  toDocx,
  toMarkdown,
  toSrt,
  toVtt,
  type ExportableMeeting,
} from './exports.js';
import { defaultThreads } from '../threads.js';

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
}

interface Recording {
  meetingId: string;
  language: LanguageChoice;
  nextSeq: number;
  samples: number;
  live: LiveTranscriber | undefined;
  liveCount: number;
  /** Chunk notes written as the live transcript arrives (only with a language model). */
  minutes: LiveMinutes | undefined;
}

interface MeetingNotes {
  markers: { atMs: number; label: string }[];
  turns: { atMs: number; speakerId: string }[];
}

const NOTES_BLOB = 'app-notes';

function newQuestionId(): string {
  return `q${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The app's behaviour on top of core, shared by Electron's main process and
 * the devhost: one instance per window, holding the unlocked vault, the
 * recordings in progress and the job queue. Every entry point is a call of
 * src/shared/api.ts; nothing here knows which transport carried it.
 */
export class AppService {
  readonly dispatcher = new AppDispatcher();
  private open: OpenVault | undefined;
  private readonly recordings = new Map<string, Recording>();
  private readonly progress = new Map<string, number>();
  private jobLoop: Promise<void> | undefined;
  private location: string | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private host: ModelHost | undefined;
  /** Live notes of meetings recorded and stopped, until their summarize job takes them. */
  private readonly liveMinutes = new Map<string, LiveMinutes>();

  constructor(private readonly options: AppServiceOptions = {}) {
    this.env = options.env ?? process.env;
    this.register();
  }

  /**
   * The vault folder, decided by core/vault/location like the CLI's (an old
   * app vault at GREFFIER_HOME itself is moved into place on first use).
   */
  private get home(): string {
    if (!this.location) {
      const env = this.options.home ? { ...this.env, GREFFIER_HOME: this.options.home } : this.env;
      this.location = locateVault(env).dir;
    }
    return this.location;
  }

  /** Locks the vault (closing recordings first) and stops live transcription. */
  async close(): Promise<void> {
    for (const recording of this.recordings.values()) {
      await recording.live?.stop();
      await recording.minutes?.cancel();
    }
    this.recordings.clear();
    for (const minutes of this.liveMinutes.values()) await minutes.cancel();
    this.liveMinutes.clear();
    await this.open?.vault.lock();
    this.open = undefined;
    await this.host?.close();
    this.host = undefined;
  }

  private modelHost(): ModelHost {
    this.host ??= new ModelHost(
      this.options.hostLauncher ? { launcher: this.options.hostLauncher } : {},
    );
    return this.host;
  }

  private get threads(): number {
    return this.options.threads ?? defaultThreads();
  }

  private get vault(): OpenVault {
    if (!this.open || this.open.vault.isLocked) {
      this.open = undefined;
      throw new GreffierError('vault-locked', 'The vault is locked.', {
        hint: 'Unlock it with its passphrase to continue.',
      });
    }
    this.open.vault.touch();
    return this.open;
  }

  private adopt(open: OpenVault): void {
    this.open = open;
    open.vault.onLock((reason) => {
      if (this.open === open) this.open = undefined;
      for (const recording of this.recordings.values()) {
        void recording.live?.stop();
        void recording.minutes?.cancel();
      }
      this.recordings.clear();
      for (const minutes of this.liveMinutes.values()) void minutes.cancel();
      this.liveMinutes.clear();
      this.dispatcher.emit('vault.locked', { reason: reason === 'idle' ? 'idle' : 'user' });
    });
    // Jobs left by a previous session (or a crash) resume as soon as the vault opens.
    this.kickJobs();
  }

  // ------------------------------------------------------------------ models

  /** The installed default of a kind (or the development fallback), without touching its bytes. */
  private modelPath(kind: ModelKind): string | undefined {
    const installed =
      this.open && !this.open.vault.isLocked
        ? this.open.vault.getSettings().models[kind]
        : undefined;
    const chosen = installed?.find((model) => model.default) ?? installed?.[0];
    return chosen?.path ?? this.options.fallbackModels?.[kind];
  }

  /**
   * The model an engine is about to load: an installed one is checked against
   * the bytes recorded when it was verified (a changed file is refused).
   */
  private async modelForEngine(kind: ModelKind): Promise<string> {
    const open = this.vault;
    if (open.vault.getSettings().models[kind]?.length) {
      return (await modelForLoading(open.vault, kind)).path;
    }
    const fallback = this.options.fallbackModels?.[kind];
    if (fallback) return fallback;
    throw new GreffierError(
      'no-model',
      `No ${kind === 'asr' ? 'transcription' : kind === 'llm' ? 'language' : kind} model is installed.`,
      { hint: 'Open "Models & settings" and import the models IT provided (folder or USB drive).' },
    );
  }

  private listModels(): ModelView[] {
    return installedModelViews(this.vault.vault.getSettings());
  }

  /** Imports every model file of a folder (USB drive, share): each verified before it is recorded. */
  private async importModels(folder: string, trustUnlisted: boolean) {
    const open = this.vault;
    let names: string[];
    try {
      names = (await readdir(folder, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && /\.(bin|gguf)$/i.test(entry.name))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      throw new GreffierError('bad-folder', `Cannot read the folder ${folder}.`, {
        hint: 'Check the path (and that the USB drive is mounted), then try again.',
        cause: error,
      });
    }
    if (names.length === 0) {
      throw new GreffierError('no-model-files', `No model file (.bin or .gguf) in ${folder}.`, {
        hint: 'Choose the folder that holds the model files IT prepared.',
      });
    }
    const imported: ModelView[] = [];
    const skipped: string[] = [];
    for (const name of names) {
      const path = join(folder, name);
      try {
        const format = await detectModelFormat(path);
        const kind: ModelKind | undefined =
          format === 'whisper'
            ? 'asr'
            : format === 'vad'
              ? 'vad'
              : format === 'gguf'
                ? /embed/i.test(name)
                  ? 'embedding'
                  : 'llm'
                : undefined;
        if (!kind) {
          skipped.push(`${name}: not a whisper.cpp, VAD or GGUF model`);
          continue;
        }
        const verified = await verifyModelFile(path, kind, { trustUnlisted });
        await installModel(open.vault, verified);
        const view = installedModelViews(open.vault.getSettings()).find((m) => m.path === path);
        if (view) imported.push(view);
      } catch (error) {
        skipped.push(
          `${name}: ${error instanceof GreffierError ? error.oneLine() : String(error)}`,
        );
      }
    }
    return { imported, skipped };
  }

  // ------------------------------------------------------------------ meetings

  private jobViews(meetingId: string): JobView[] {
    return this.vault.jobs.list({ meetingId }).map((job) => this.jobView(job));
  }

  private jobView(job: Job): JobView {
    const progress = this.progress.get(job.id);
    return {
      id: job.id,
      kind: job.kind,
      state: job.state,
      ...(job.error ? { error: job.error } : {}),
      ...(progress === undefined || job.state !== 'running' ? {} : { progress }),
    };
  }

  private view(meeting: Meeting): MeetingView {
    return { ...meeting, jobs: this.jobViews(meeting.id) };
  }

  private async notes(meetingId: string): Promise<MeetingNotes> {
    const bytes = await this.vault.vault.readMeetingBlob(meetingId, NOTES_BLOB);
    if (!bytes) return { markers: [], turns: [] };
    return JSON.parse(bytes.toString('utf8')) as MeetingNotes;
  }

  private async saveNotes(meetingId: string, notes: MeetingNotes): Promise<void> {
    await this.vault.vault.writeMeetingBlob(
      meetingId,
      NOTES_BLOB,
      Buffer.from(JSON.stringify(notes)),
    );
  }

  private async exportable(meetingId: string): Promise<ExportableMeeting> {
    const detail = await this.vault.meetings.get(meetingId);
    const minutes = MinutesSchema.safeParse(detail.summary);
    return { ...detail, ...(minutes.success ? { minutes: minutes.data } : {}) };
  }

  /**
   * Live lines go into the meeting's minutes as they arrive: each full chunk
   * of transcript becomes notes during the recording, through the one model
   * host queue (so it never runs two models at once), with the same model
   * settings as the summarize job so the host keeps the model loaded.
   */
  private feedLiveMinutes(
    recording: Recording,
    title: string,
    model: string,
    lines: { id: string; startMs: number; endMs: number; text: string; speakerId?: string }[],
  ): void {
    const open = this.open;
    // Lines that land after stop are left to the final pass (stop has handed the notes over).
    if (!open || open.vault.isLocked || this.recordings.get(recording.meetingId) !== recording) {
      return;
    }
    const meeting = open.meetings.getMeeting(recording.meetingId);
    if (!recording.minutes) {
      const language =
        recording.language === 'auto'
          ? detectLanguage(lines.map((line) => line.text).join(' '))
          : recording.language;
      recording.minutes = new LiveMinutes(open, {
        host: this.modelHost(),
        model: { path: model, threads: this.threads },
        meetingId: recording.meetingId,
        meetingTitle: title,
        language,
        // The template the summarize job uses after stop unless the clerk picks another.
        template: loadTemplate('general'),
        onChunk: () => this.dispatcher.emit('meeting.changed', { meetingId: recording.meetingId }),
      });
    }
    const names = new Map(meeting.speakers.map((speaker) => [speaker.id, speaker.name]));
    recording.minutes.add(
      lines.map((line) => {
        const speaker = line.speakerId ? names.get(line.speakerId) : undefined;
        return {
          id: line.id,
          startMs: line.startMs,
          endMs: line.endMs,
          text: line.text,
          ...(speaker ? { speaker } : {}),
        };
      }),
    );
  }

  // ------------------------------------------------------------------ jobs

  /** One job at a time, in order: engines never fight for the two cores. */
  private kickJobs(): void {
    if (this.jobLoop) return;
    // The reset hangs off the promise so it always runs after the assignment.
    this.jobLoop = this.runJobs().finally(() => {
      this.jobLoop = undefined;
    });
  }

  private async runJobs(): Promise<void> {
    try {
      for (;;) {
        const open = this.open;
        if (!open || open.vault.isLocked) return;
        const next = open.jobs.pending()[0];
        if (!next) return;
        this.dispatcher.emit('meeting.changed', { meetingId: next.meetingId });
        const done = await open.jobs.run(next.id, this.jobHandlers());
        this.progress.delete(done.id);
        if (!open.vault.isLocked) {
          this.dispatcher.emit('job.progress', {
            meetingId: done.meetingId,
            job: this.jobView(done),
          });
          this.dispatcher.emit('meeting.changed', { meetingId: done.meetingId });
        }
      }
    } catch {
      // A job's failure is recorded on the job itself; the loop only stops on lock.
    }
  }

  /** Chunk notes written so far during a meeting's recording (0 without a language model). */
  liveMinutesChunks(meetingId: string): number {
    return (
      this.recordings.get(meetingId)?.minutes?.chunks ??
      this.liveMinutes.get(meetingId)?.chunks ??
      0
    );
  }

  /** Resolves once the job queue is empty (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    while (this.jobLoop) await this.jobLoop;
  }

  private reportProgress(job: Job, fraction: number): void {
    this.progress.set(job.id, fraction);
    this.dispatcher.emit('job.progress', {
      meetingId: job.meetingId,
      job: {
        id: job.id,
        kind: job.kind,
        state: 'running',
        progress: Math.max(0, Math.min(1, fraction)),
      },
    });
  }

  private jobHandlers(): JobHandlers {
    return {
      transcribe: async (context) => {
        const { job, meetings } = context;
        // The vault's own transcription job does the work; the app adds progress events
        // and the speaker turns the clerk marked with the number keys.
        const transcribe = transcribeJobHandler({
          model: await this.modelForEngine('asr'),
          threads: this.threads,
        });
        await transcribe({
          ...context,
          progress: (fraction) => {
            context.progress(fraction);
            this.reportProgress(job, fraction);
          },
        });
        const { turns } = await this.notes(job.meetingId);
        if (turns.length > 0) {
          const segments = await meetings.getSegments(job.meetingId);
          await meetings.setTranscript(job.meetingId, withSpeakers(segments, turns));
        }
        // Minutes and the search index follow the transcript, each as its own resumable job.
        const open = this.vault;
        const llm = this.modelPath('llm');
        if (llm) await open.jobs.enqueue('summarize', job.meetingId, {});
        await open.jobs.enqueue('index', job.meetingId, {});
      },
      summarize: async (context) => {
        const { job } = context;
        // Notes still being written from the live transcript are finished and saved
        // first, so the core handler can reuse them (see reuseLiveNotes).
        const live = this.liveMinutes.get(job.meetingId);
        if (live) {
          await live.settled();
          this.liveMinutes.delete(job.meetingId);
        }
        // The one summarize path (CLI, pipeline, app): core's handler, with the model
        // the app chose (checked against its verified bytes) and progress events.
        await summarizeJobHandler(this.modelHost(), {
          threads: this.threads,
          model: () => this.modelForEngine('llm'),
        })({
          ...context,
          progress: (fraction) => {
            context.progress(fraction);
            this.reportProgress(job, fraction);
          },
        });
      },
      index: indexJobHandler(),
    };
  }

  // ------------------------------------------------------------------ questions

  private async answer(
    open: OpenVault,
    questionId: string,
    input: { text?: string; audio?: string; language: LanguageChoice },
  ): Promise<void> {
    try {
      let question = input.text?.trim() ?? '';
      if (input.audio) {
        this.dispatcher.emit('ask.progress', { questionId, stage: 'transcribing' });
        const heard = await transcribePcm(int16FromBase64(input.audio), {
          model: await this.modelForEngine('asr'),
          language: input.language,
          threads: this.threads,
        });
        question = heard.segments
          .map((segment) => segment.text.trim())
          .join(' ')
          .trim();
        if (!question) {
          throw new GreffierError('nothing-heard', 'No words were heard in the spoken question.', {
            hint: 'Hold the button while you speak, closer to the microphone, or type the question.',
          });
        }
      }
      this.dispatcher.emit('ask.progress', { questionId, stage: 'searching', question });
      const answer = await answerQuestion({
        open,
        question,
        language: input.language,
        host: this.modelHost(),
        model: { path: await this.modelForEngine('llm'), threads: this.threads },
        ...(this.modelPath('embedding')
          ? {
              embeddingModel: {
                path: await this.modelForEngine('embedding'),
                threads: this.threads,
              },
            }
          : {}),
        onStage: (stage) => this.dispatcher.emit('ask.progress', { questionId, stage, question }),
        onToken: (token) => this.dispatcher.emit('ask.token', { questionId, text: token }),
      });
      const titles = new Map(open.meetings.list().map((meeting) => [meeting.id, meeting.title]));
      this.dispatcher.emit('ask.answer', {
        questionId,
        answer: {
          ...answer,
          ...(input.audio ? { transcribedFrom: question } : {}),
          citations: answer.citations.map((citation) => {
            const meetingTitle = titles.get(citation.meetingId);
            return { ...citation, ...(meetingTitle ? { meetingTitle } : {}) };
          }),
        },
      });
    } catch (error) {
      this.dispatcher.emit('ask.failed', { questionId, error: toApiError('ask.question', error) });
    }
  }

  // ------------------------------------------------------------------ calls

  private register(): void {
    const d = this.dispatcher;
    d.register({
      'app.status': async () => {
        const unlocked = this.open !== undefined && !this.open.vault.isLocked;
        const settings = unlocked ? this.open!.vault.getSettings() : undefined;
        return {
          ready: true,
          version: this.options.version ?? '0.1.0',
          vault: unlocked ? 'unlocked' : Vault.exists(this.home) ? 'locked' : 'absent',
          systemLocale: systemUiLocale(this.env),
          ...(settings
            ? {
                settings: {
                  defaultLanguage: settings.defaultLanguage,
                  autoLockMinutes: settings.autoLockMinutes,
                },
              }
            : {}),
          hasAsrModel: unlocked && this.modelPath('asr') !== undefined,
          hasLlmModel: unlocked && this.modelPath('llm') !== undefined,
        };
      },
      'vault.create': async ({ passphrase }) => {
        const secret = Buffer.from(passphrase, 'utf8');
        try {
          this.adopt(
            await createVault(this.home, secret, this.options.kdf ? { kdf: this.options.kdf } : {}),
          );
        } finally {
          zero(secret);
        }
        return { ok: true };
      },
      'vault.unlock': async ({ passphrase }) => {
        if (this.open && !this.open.vault.isLocked) return { ok: true };
        const secret = Buffer.from(passphrase, 'utf8');
        try {
          this.adopt(attach(await Vault.open(this.home, secret)));
        } finally {
          zero(secret);
        }
        return { ok: true };
      },
      'vault.lock': async () => {
        await this.close();
        return { ok: true };
      },
      'vault.changePassphrase': async ({ current, next }) => {
        const { vault } = this.vault;
        const currentSecret = Buffer.from(current, 'utf8');
        const nextSecret = Buffer.from(next, 'utf8');
        try {
          // The current passphrase is asked again so an unattended unlocked PC cannot be re-keyed.
          zero(await unwrapMasterKey(vault.header, currentSecret));
          await vault.changePassphrase(nextSecret, this.options.kdf);
        } finally {
          zero(currentSecret, nextSecret);
        }
        return { ok: true };
      },
      'meetings.list': async ({ query, status }) => {
        const meetings = this.vault.meetings.list({
          ...(query ? { text: query } : {}),
          ...(status ? { status: [status] } : {}),
        });
        return meetings.map((meeting) => this.view(meeting));
      },
      'meetings.get': async ({ id }) => {
        const detail = await this.vault.meetings.get(id);
        const minutes = MinutesSchema.safeParse(detail.summary);
        const { summary: _summary, ...meeting } = detail;
        const notes = await this.notes(id);
        return {
          ...meeting,
          jobs: this.jobViews(id),
          markers: notes.markers,
          ...(minutes.success ? { minutes: minutes.data } : {}),
        };
      },
      'meetings.delete': async ({ id }) => {
        await this.recordings.get(id)?.live?.stop();
        await this.recordings.get(id)?.minutes?.cancel();
        await this.liveMinutes.get(id)?.cancel();
        this.liveMinutes.delete(id);
        this.recordings.delete(id);
        await this.vault.meetings.delete(id);
        this.dispatcher.emit('meeting.changed', { meetingId: id });
        return { ok: true };
      },
      'meetings.audio': async ({ id, fromMs, toMs }) => {
        if (toMs <= fromMs) {
          throw new GreffierError('bad-range', 'The audio range is empty.', {
            hint: 'Choose a line of the transcript to play from.',
          });
        }
        // Ten minutes at most per request: playback never decrypts a whole meeting at once.
        const to = Math.min(toMs, fromMs + 10 * 60_000);
        const samples = await readMeetingSamples(this.vault.meetings, id, fromMs, to);
        return { wavBase64: encodeWav16(samples).toString('base64') };
      },
      'recording.start': async ({ title, language, speakers }) => {
        const open = this.vault;
        const meeting = await open.meetings.create({ title, language });
        for (const [index, name] of speakers.entries()) {
          await open.meetings.renameSpeaker(meeting.id, `p${index + 1}`, name);
        }
        const asr = this.modelPath('asr') ? await this.modelForEngine('asr') : undefined;
        const recording: Recording = {
          meetingId: meeting.id,
          language,
          nextSeq: 0,
          samples: 0,
          live: undefined,
          liveCount: 0,
          minutes: undefined,
        };
        const llm = asr && this.modelPath('llm') ? await this.modelForEngine('llm') : undefined;
        if (asr) {
          recording.live = new LiveTranscriber({
            model: asr,
            language,
            ...(this.options.threads ? { threads: this.options.threads } : {}),
            onSegments: (lines) => {
              void this.notes(meeting.id).then(
                (notes) => {
                  const segments = withSpeakers(lines, notes.turns).map((line) => ({
                    ...line,
                    id: `live-${++recording.liveCount}`,
                  }));
                  this.dispatcher.emit('live.segments', { meetingId: meeting.id, segments });
                  if (llm) this.feedLiveMinutes(recording, meeting.title, llm, segments);
                },
                () => undefined,
              );
            },
          });
        }
        this.recordings.set(meeting.id, recording);
        this.dispatcher.emit('meeting.changed', { meetingId: meeting.id });
        return { meetingId: meeting.id };
      },
      'recording.append': async ({ meetingId, seq, pcm }) => {
        const recording = this.recordings.get(meetingId);
        if (!recording) {
          throw new GreffierError('not-recording', 'This meeting is not being recorded.', {
            hint: 'Start a new recording; audio already saved is kept.',
          });
        }
        // A chunk sent twice (a retry after a lost answer) is acknowledged, not stored twice.
        if (seq < recording.nextSeq) {
          return { acknowledgedSeq: seq, durationMs: (recording.samples / SAMPLE_RATE) * 1000 };
        }
        if (seq > recording.nextSeq) {
          throw new GreffierError(
            'audio-gap',
            `Audio chunk ${recording.nextSeq} never arrived (got ${seq}).`,
            {
              hint: 'Stop and restart the recording; everything before the gap is saved.',
            },
          );
        }
        const samples = int16FromBase64(pcm);
        await this.vault.meetings.appendAudio(meetingId, samples);
        recording.nextSeq = seq + 1;
        recording.samples += samples.length;
        recording.live?.push(samples);
        return { acknowledgedSeq: seq, durationMs: (recording.samples / SAMPLE_RATE) * 1000 };
      },
      'recording.marker': async ({ meetingId, atMs, label }) => {
        const notes = await this.notes(meetingId);
        notes.markers.push({ atMs, label });
        await this.saveNotes(meetingId, notes);
        return { ok: true };
      },
      'recording.speakerTurn': async ({ meetingId, speakerId, atMs }) => {
        const meeting = this.vault.meetings.getMeeting(meetingId);
        if (!meeting.speakers.some((speaker) => speaker.id === speakerId)) {
          throw new GreffierError(
            'no-speaker',
            'That speaker is not in the roster of this meeting.',
            {
              hint: 'Add the name to the roster first.',
            },
          );
        }
        const notes = await this.notes(meetingId);
        notes.turns.push({ atMs, speakerId });
        notes.turns.sort((a, b) => a.atMs - b.atMs);
        await this.saveNotes(meetingId, notes);
        return { ok: true };
      },
      'recording.addSpeaker': async ({ meetingId, name }) => {
        const meeting = this.vault.meetings.getMeeting(meetingId);
        if (meeting.speakers.length >= 9) {
          throw new GreffierError('roster-full', 'The roster already has 9 speakers (keys 1–9).', {
            hint: 'Merge or rename speakers after the meeting.',
          });
        }
        const ids = new Set(meeting.speakers.map((s) => s.id));
        let n = meeting.speakers.length + 1;
        while (ids.has(`p${n}`)) n++;
        return this.vault.meetings.renameSpeaker(meetingId, `p${n}`, name);
      },
      'recording.stop': async ({ meetingId }) => {
        const recording = this.recordings.get(meetingId);
        this.recordings.delete(meetingId);
        await recording?.live?.stop();
        // Its notes finish in the background; the summarize job waits for them.
        if (recording?.minutes) this.liveMinutes.set(meetingId, recording.minutes);
        const open = this.vault;
        await open.meetings.finish(meetingId);
        const asr = this.modelPath('asr');
        if (asr) await open.jobs.enqueue('transcribe', meetingId, {});
        this.dispatcher.emit('meeting.changed', { meetingId });
        this.kickJobs();
        return { ok: true };
      },
      'segments.edit': async ({ meetingId, segmentId, text }) => {
        await this.vault.meetings.editSegment(meetingId, segmentId, { text });
        this.dispatcher.emit('meeting.changed', { meetingId });
        return { ok: true };
      },
      'speakers.rename': async ({ meetingId, speakerId, name }) => {
        const meeting = this.vault.meetings.getMeeting(meetingId);
        if (!meeting.speakers.some((speaker) => speaker.id === speakerId)) {
          throw new GreffierError('no-speaker', 'That speaker is not in this meeting.', {
            hint: 'Reload the meeting and try again.',
          });
        }
        await this.vault.meetings.renameSpeaker(meetingId, speakerId, name);
        this.dispatcher.emit('meeting.changed', { meetingId });
        return { ok: true };
      },
      'speakers.merge': async ({ meetingId, fromSpeakerId, intoSpeakerId }) => {
        const { meetings } = this.vault;
        const meeting = meetings.getMeeting(meetingId);
        const known = new Set(meeting.speakers.map((s) => s.id));
        if (
          !known.has(fromSpeakerId) ||
          !known.has(intoSpeakerId) ||
          fromSpeakerId === intoSpeakerId
        ) {
          throw new GreffierError(
            'bad-merge',
            'Choose two different speakers of this meeting to merge.',
            {
              hint: 'Pick the speaker to merge, then the one to keep.',
            },
          );
        }
        const segments = await meetings.getSegments(meetingId);
        const moved = segments.map((s) =>
          s.speakerId === fromSpeakerId ? { ...s, speakerId: intoSpeakerId } : s,
        );
        await meetings.setTranscript(meetingId, moved, {
          speakers: meeting.speakers.filter((s) => s.id !== fromSpeakerId),
        });
        this.dispatcher.emit('meeting.changed', { meetingId });
        return { ok: true };
      },
      'settings.get': async () => {
        const settings = this.vault.vault.getSettings();
        return {
          defaultLanguage: settings.defaultLanguage,
          autoLockMinutes: settings.autoLockMinutes,
        };
      },
      'settings.update': async (patch) => {
        const settings = await this.vault.vault.updateSettings(patch);
        return {
          defaultLanguage: settings.defaultLanguage,
          autoLockMinutes: settings.autoLockMinutes,
        };
      },
      'models.list': async () => this.listModels(),
      'models.import': async ({ folder, trustUnlisted }) => {
        const result = await this.importModels(folder, trustUnlisted ?? false);
        return result;
      },
      'minutes.templates': async () => listTemplates(),
      'minutes.regenerate': async ({ meetingId, template }) => {
        if (!listTemplates().includes(template)) {
          throw new GreffierError('no-template', `There is no minutes template "${template}".`, {
            hint: `Choose one of: ${listTemplates().join(', ')}.`,
          });
        }
        const open = this.vault;
        const meeting = open.meetings.getMeeting(meetingId);
        if (meeting.segmentCount === 0) {
          throw new GreffierError(
            'no-transcript',
            'This meeting has no transcript to summarise yet.',
            {
              hint: 'Wait for the transcription to finish.',
            },
          );
        }
        await this.modelForEngine('llm');
        await open.jobs.enqueue('summarize', meetingId, { template });
        this.dispatcher.emit('meeting.changed', { meetingId });
        this.kickJobs();
        return { ok: true };
      },
      'export.meeting': async ({ meetingId, format }) => {
        const meeting = await this.exportable(meetingId);
        if (format === 'docx') {
          return {
            fileName: exportFileName(meeting.title, 'docx'),
            mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
            base64: (await toDocx(meeting)).toString('base64'),
          };
        }
        if (format === 'pdf') {
          return {
            fileName: exportFileName(meeting.title, 'pdf'),
            mime: 'application/pdf',
            base64: toPdf(meeting).toString('base64'),
          };
        }
        const text =
          format === 'md'
            ? toMarkdown(meeting)
            : format === 'srt'
              ? toSrt(meeting)
              : toVtt(meeting);
        const mime =
          format === 'md'
            ? 'text/markdown'
            : format === 'srt'
              ? 'application/x-subrip'
              : 'text/vtt';
        return {
          fileName: exportFileName(meeting.title, format),
          mime: `${mime}; charset=utf-8`,
          base64: Buffer.from(text, 'utf8').toString('base64'),
        };
      },
      'ask.question': async ({ text, audio, language }) => {
        const open = this.vault;
        if (!text?.trim() && !audio) {
          throw new GreffierError('empty-question', 'The question is empty.', {
            hint: 'Type a question, or hold the speak button while you talk.',
          });
        }
        const questionId = newQuestionId();
        // The answer streams back as events; the call returns at once so the screen stays live.
        void this.answer(open, questionId, {
          ...(text ? { text } : {}),
          ...(audio ? { audio } : {}),
          language,
        });
        return { questionId };
      },
      'security.blocked': async () => this.dispatcher.blocked.list(),
      'security.reportBlocked': async ({ url, detail }) => {
        this.dispatcher.blocked.record({ url, by: 'csp', detail });
        return { ok: true };
      },
    });
  }
}
