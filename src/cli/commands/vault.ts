import { GreffierError, UsageError } from '../../core/errors.js';
import type { OpenVault } from '../../core/meetings/index.js';
import { exportArchive, importArchive } from '../../core/meetings/archive.js';
import { importWav, transcribeJobHandler } from '../../core/meetings/transcription.js';
import type { JobHandlers } from '../../core/meetings/jobs.js';
import { checkNewPassphrase, Vault } from '../../core/vault/vault.js';
import { systemUiLocale } from '../../core/app/locale.js';
import { clearPrivateTemp } from '../../core/tempfiles.js';
import { checkVadModel, checkWhisperModel } from '../../core/asr/model-file.js';
import { ModelHost } from '../../core/llm/host.js';
import { summarizeJobHandler } from '../../core/llm/meeting-minutes.js';
import { indexJobHandler } from '../../core/search/store.js';
import { MeetingStatusSchema, type Job, type Meeting } from '../../shared/meetings.js';
import { LanguageChoiceSchema } from '../../shared/transcript.js';
import {
  parseCommandArgs,
  positiveInteger,
  writeLine,
  type Command,
  type CommandIo,
} from '../command.js';
import { getPassphrase, vaultDirFor } from '../passphrase.js';
import { withOpenVault } from '../vault-session.js';
import { formatTimestamp } from './transcribe.js';
import { defaultThreads } from '../../core/threads.js';

const PASS =
  '--passphrase-file <file>  file holding the vault passphrase (else typed at a terminal)';
const passOption = { 'passphrase-file': { type: 'string' } } as const;

/** Opens the vault for one command, reporting what its last crash recovery did. */
function withVault<T>(
  io: CommandIo,
  passphraseFile: string | undefined,
  use: (open: OpenVault) => Promise<T>,
): Promise<T> {
  return withOpenVault(io, passphraseFile, (open) => {
    reportRecovery(io, open);
    return use(open);
  });
}

function reportRecovery(io: CommandIo, { vault }: OpenVault): void {
  const r = vault.lastRecovery;
  for (const m of r.recovered) {
    writeLine(
      io.stderr,
      `greffier: meeting ${m.meetingId} was interrupted while recording; ${m.chunks} audio chunks recovered`,
    );
  }
  for (const m of r.damaged) {
    writeLine(
      io.stderr,
      `greffier: the audio journal of meeting ${m.meetingId} is damaged at chunk ${m.badChunk}; it was left untouched`,
    );
  }
  if (r.requeuedJobs.length > 0) {
    writeLine(
      io.stderr,
      `greffier: ${r.requeuedJobs.length} interrupted job(s) queued again; run "greffier jobs --resume"`,
    );
  }
}

function oneId(positionals: string[], command: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      `${command} takes one meeting id${positionals.length ? `, not ${positionals.length}` : ''}`,
      `e.g. greffier ${command} m0123abcd — see "greffier list"`,
    );
  }
  return positionals[0]!;
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function meetingLine(m: Meeting): string {
  return [
    m.id,
    m.startedAt.slice(0, 16).replace('T', ' '),
    m.status.padEnd(12),
    formatDuration(m.durationMs),
    `${m.segmentCount} seg`.padStart(8),
    m.title,
  ].join('  ');
}

function jobLine(j: Job): string {
  return [j.id, j.kind.padEnd(10), j.state.padEnd(7), j.meetingId, j.error ? `— ${j.error}` : '']
    .join('  ')
    .trimEnd();
}

function transcribeHandlers(
  values: { 'asr-model'?: string; 'vad-model'?: string; threads?: string },
  io: CommandIo,
): JobHandlers {
  const threads = positiveInteger(values.threads, '--threads');
  return {
    transcribe: transcribeJobHandler({
      ...(values['asr-model'] ? { model: values['asr-model'] } : {}),
      ...(values['vad-model'] ? { vadModel: values['vad-model'] } : {}),
      ...(threads ? { threads } : {}),
      env: io.env,
    }),
  };
}

const vaultInit: Command = {
  path: ['vault', 'init'],
  summary: 'create the encrypted vault (in GREFFIER_HOME)',
  usage: `
Usage: greffier vault init [--passphrase-file <file>]

Creates an encrypted vault in $GREFFIER_HOME/vault (default: the per-user data
folder). The passphrase protects everything recorded: 12 characters or more,
and not a common password (several unrelated words are best).

Options:
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, passOption);
    if (positionals.length)
      throw new UsageError(`vault init takes no arguments, not "${positionals.join(' ')}"`);
    const dir = vaultDirFor(io);
    if (Vault.exists(dir)) {
      throw new GreffierError('vault-exists', `a vault already exists in ${dir}`, {
        hint: 'use it with its passphrase, or set GREFFIER_HOME to another folder',
      });
    }
    const passphrase = await getPassphrase(io, values['passphrase-file'], {
      prompt: 'New vault passphrase: ',
      confirm: true,
    });
    try {
      const vault = await Vault.create(dir, passphrase, {
        autoLockMinutes: 0,
        locale: systemUiLocale(io.env),
      });
      await vault.lock();
    } finally {
      passphrase.fill(0);
    }
    writeLine(io.stdout, `vault created in ${dir}`);
  },
};

const vaultPasswd: Command = {
  path: ['vault', 'passwd'],
  summary: 'change the vault passphrase (rotates the master key)',
  usage: `
Usage: greffier vault passwd [--passphrase-file <file>] [--new-passphrase-file <file>]

Options:
  ${PASS}
  --new-passphrase-file <file>  file holding the new passphrase (else typed twice)
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      'new-passphrase-file': { type: 'string' },
    });
    if (positionals.length)
      throw new UsageError(`vault passwd takes no arguments, not "${positionals.join(' ')}"`);
    await withVault(io, values['passphrase-file'], async ({ vault }) => {
      const next = await getPassphrase(io, values['new-passphrase-file'], {
        prompt: 'New passphrase: ',
        confirm: true,
        flag: '--new-passphrase-file',
      });
      try {
        await vault.changePassphrase(next, undefined, systemUiLocale(io.env));
      } finally {
        next.fill(0);
      }
    });
    writeLine(io.stdout, 'passphrase changed');
  },
};

const vaultStatus: Command = {
  path: ['vault', 'status'],
  summary: 'say whether a vault exists and how it is protected',
  usage: `
Usage: greffier vault status [--json] [--passphrase-file <file>]

Without a passphrase: where the vault is and its key-derivation settings.
With --passphrase-file: also checks the passphrase and counts the meetings.
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      json: { type: 'boolean' },
    });
    if (positionals.length)
      throw new UsageError(`vault status takes no arguments, not "${positionals.join(' ')}"`);
    const dir = vaultDirFor(io);
    const status = await Vault.status(dir);
    if (status.exists && values['passphrase-file']) {
      status.meetings = await withVault(
        io,
        values['passphrase-file'],
        async ({ meetings }) => meetings.list().length,
      );
    }
    if (values.json) return writeLine(io.stdout, JSON.stringify(status));
    if (!status.exists) {
      writeLine(io.stdout, `no vault in ${dir} — create one with "greffier vault init"`);
      return;
    }
    writeLine(io.stdout, `vault: ${dir}`);
    writeLine(io.stdout, `created: ${status.createdAt ?? 'unknown'}`);
    if (status.inUseByPid !== undefined) writeLine(io.stdout, `in use by PID ${status.inUseByPid}`);
    if (status.kdf)
      writeLine(
        io.stdout,
        `key derivation: scrypt N=${status.kdf.N} r=${status.kdf.r} p=${status.kdf.p}`,
      );
    if (status.meetings !== undefined) writeLine(io.stdout, `meetings: ${status.meetings}`);
  },
};

const vaultRestore: Command = {
  path: ['vault', 'restore-backup'],
  summary: 'go back to the previous saved catalogue/transcripts after damage',
  usage: `
Usage: greffier vault restore-backup [--passphrase-file <file>]

When the catalogue or a meeting file fails authentication (disk damage,
tampering), puts the damaged file aside (*.damaged-<time>) and restores the
previous saved version kept beside it (*.bak).
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, passOption);
    if (positionals.length) throw new UsageError(`vault restore-backup takes no arguments`);
    const dir = vaultDirFor(io);
    const passphrase = await getPassphrase(io, values['passphrase-file']);
    try {
      const result = await Vault.restoreBackup(dir, passphrase);
      if (result.catalogue)
        writeLine(
          io.stdout,
          `catalogue restored from its backup (damaged copy kept as ${result.catalogue})`,
        );
      for (const f of result.files) writeLine(io.stdout, `restored ${f} from its backup`);
      if (!result.catalogue && result.files.length === 0)
        writeLine(io.stdout, 'nothing to restore: every file reads correctly');
    } finally {
      passphrase.fill(0);
    }
  },
};

const importCommand: Command = {
  path: ['import'],
  summary: 'store a WAV recording as a meeting (and transcribe it)',
  usage: `
Usage: greffier import <audio.wav> --title <title> [options]

Stores the audio in the vault, encrypted, and prints the new meeting's id.
With --asr-model the meeting is transcribed at once; otherwise a transcription
job is left queued for "greffier jobs --resume".

Options:
  --title <title>         meeting title (required)
  --lang fr|en|auto       language spoken (default: the vault's default language)
  --asr-model <file>      whisper.cpp model: transcribe now
  --vad-model <file>      Silero VAD model: skip silence
  --threads <n>           CPU threads for whisper
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      title: { type: 'string' },
      lang: { type: 'string' },
      'asr-model': { type: 'string' },
      'vad-model': { type: 'string' },
      threads: { type: 'string' },
    });
    if (positionals.length !== 1) {
      throw new UsageError(
        'import takes the path of one WAV file',
        'e.g. greffier import talk.wav --title "Conseil"',
      );
    }
    if (!values.title?.trim())
      throw new UsageError('import needs --title <title>', 'e.g. --title "Conseil municipal"');
    const lang =
      values.lang === undefined ? undefined : LanguageChoiceSchema.safeParse(values.lang);
    if (lang && !lang.success)
      throw new UsageError(`--lang takes fr, en or auto, not "${values.lang}"`);
    const handlers = transcribeHandlers(values, io);
    // A wrong model path is said before anything is stored or decrypted.
    if (values['asr-model']) await checkWhisperModel(values['asr-model']);
    if (values['vad-model']) await checkVadModel(values['vad-model']);
    clearPrivateTemp(io.env);
    await withVault(io, values['passphrase-file'], async ({ meetings, jobs }) => {
      const meeting = await importWav(meetings, positionals[0]!, {
        title: values.title!,
        ...(lang?.success ? { language: lang.data } : {}),
      });
      const params: Record<string, unknown> = {};
      if (values['asr-model']) params.model = values['asr-model'];
      // Recorded before it runs: if this process dies, "jobs --resume" finishes it.
      const job = await jobs.enqueue('transcribe', meeting.id, params);
      writeLine(io.stdout, meeting.id);
      if (!values['asr-model']) {
        writeLine(
          io.stderr,
          `greffier: transcription queued (job ${job.id}); run "greffier jobs --resume --asr-model F" to transcribe`,
        );
        return;
      }
      const done = await jobs.run(job.id, handlers, io.signal);
      if (done.state !== 'done') {
        throw new GreffierError(
          'transcription-failed',
          `meeting ${meeting.id} was stored but its transcription failed: ${done.error ?? 'unknown error'}`,
          {
            hint: 'the audio is safe in the vault; fix the cause and run "greffier jobs --resume"',
          },
        );
      }
    });
  },
};

const listCommand: Command = {
  path: ['list'],
  summary: 'list the meetings in the vault',
  usage: `
Usage: greffier list [--json] [--from DATE] [--to DATE] [--status S] [--text T] [--lang L]

Options:
  --json              one JSON array of meetings
  --segments          with --json: include each meeting's transcript segments
  --from / --to DATE  only meetings started in that range (YYYY-MM-DD)
  --status S          recording|transcribing|summarising|ready|recovered|failed
  --text T            words in the title
  --lang fr|en|auto   meeting language
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      json: { type: 'boolean' },
      segments: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      status: { type: 'string' },
      text: { type: 'string' },
      lang: { type: 'string' },
    });
    if (positionals.length)
      throw new UsageError(`list takes no arguments, not "${positionals.join(' ')}"`);
    for (const flag of ['from', 'to'] as const) {
      if (values[flag] !== undefined && !/^\d{4}-\d{2}-\d{2}/.test(values[flag])) {
        throw new UsageError(`--${flag} takes a date like 2026-11-25, not "${values[flag]}"`);
      }
    }
    const status =
      values.status === undefined ? undefined : MeetingStatusSchema.safeParse(values.status);
    if (status && !status.success)
      throw new UsageError(
        `--status takes one of ${MeetingStatusSchema.options.join(', ')}, not "${values.status}"`,
      );
    const lang =
      values.lang === undefined ? undefined : LanguageChoiceSchema.safeParse(values.lang);
    if (lang && !lang.success)
      throw new UsageError(`--lang takes fr, en or auto, not "${values.lang}"`);
    if (values.segments && !values.json) throw new UsageError('--segments goes with --json');
    const list = await withVault(io, values['passphrase-file'], async ({ meetings }) => {
      const found = meetings.list({
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
        ...(status?.success ? { status: [status.data] } : {}),
        ...(values.text ? { text: values.text } : {}),
        ...(lang?.success ? { language: lang.data } : {}),
      });
      if (!values.segments) return found;
      // One transcript decrypted at a time, on request only: a big vault lists fast without it.
      const withSegments = [];
      for (const m of found)
        withSegments.push({ ...m, segments: await meetings.getSegments(m.id) });
      return withSegments;
    });
    if (values.json) return writeLine(io.stdout, JSON.stringify(list, null, 2));
    if (list.length === 0) return writeLine(io.stderr, 'no meetings');
    for (const m of list) writeLine(io.stdout, meetingLine(m));
  },
};

const showCommand: Command = {
  path: ['show'],
  summary: 'show one meeting with its transcript',
  usage: `
Usage: greffier show <meeting-id> [--json]

Options:
  --json   the meeting, its segments and summary as one JSON object
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      json: { type: 'boolean' },
    });
    const id = oneId(positionals, 'show');
    const detail = await withVault(io, values['passphrase-file'], ({ meetings }) =>
      meetings.get(id),
    );
    if (values.json) return writeLine(io.stdout, JSON.stringify(detail, null, 2));
    writeLine(io.stdout, `${detail.title}`);
    writeLine(
      io.stdout,
      `${detail.id} · ${detail.startedAt} · ${detail.language} · ${detail.status} · ${formatDuration(detail.durationMs)}`,
    );
    if (detail.statusNote) writeLine(io.stdout, `note: ${detail.statusNote}`);
    writeLine(io.stdout);
    const names = new Map(detail.speakers.map((s) => [s.id, s.name]));
    for (const s of detail.segments) {
      const who = s.speakerId ? `${names.get(s.speakerId) ?? s.speakerId}: ` : '';
      writeLine(
        io.stdout,
        `[${formatTimestamp(s.startMs)} → ${formatTimestamp(s.endMs)}] ${who}${s.text.trim()}`,
      );
    }
    if (detail.segments.length === 0) writeLine(io.stdout, '(no transcript yet)');
  },
};

const deleteCommand: Command = {
  path: ['delete'],
  summary: 'delete a meeting for good (its key is destroyed first)',
  usage: `
Usage: greffier delete <meeting-id>

Destroys the meeting's key (crypto-shredding), then its files and jobs.
Options:
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, passOption);
    const id = oneId(positionals, 'delete');
    await withVault(io, values['passphrase-file'], ({ meetings }) => meetings.delete(id));
    writeLine(io.stdout, `deleted ${id}`);
  },
};

const jobsCommand: Command = {
  path: ['jobs'],
  summary: 'list transcription/summary jobs, or resume unfinished ones',
  usage: `
Usage: greffier jobs [--resume] [--json] [--asr-model <file>]

Options:
  --resume            run every queued job (interrupted ones are queued again on open):
                      transcription (whisper), minutes (the vault's language model), search index
  --asr-model <file>  whisper.cpp model for transcription jobs that name none
  --vad-model <file>  Silero VAD model
  --threads <n>       CPU threads for whisper
  --json              JSON output
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      resume: { type: 'boolean' },
      json: { type: 'boolean' },
      'asr-model': { type: 'string' },
      'vad-model': { type: 'string' },
      threads: { type: 'string' },
    });
    if (positionals.length)
      throw new UsageError(`jobs takes no arguments, not "${positionals.join(' ')}"`);
    const handlers = transcribeHandlers(values, io);
    if (values.resume) clearPrivateTemp(io.env);
    const result = await withVault(io, values['passphrase-file'], async ({ jobs }) => {
      if (!values.resume) return { jobs: jobs.list() };
      // Minutes and index jobs run with the vault's installed models; the
      // model host process starts only if a summary job actually runs.
      const host = new ModelHost();
      try {
        const all: JobHandlers = {
          ...handlers,
          summarize: summarizeJobHandler(host, {
            threads: positiveInteger(values.threads, '--threads') ?? defaultThreads(),
          }),
          index: indexJobHandler(),
        };
        const { ran, waiting } = await jobs.resume(all, io.signal);
        return { jobs: jobs.list(), ran, waiting };
      } finally {
        await host.close();
      }
    });
    if (values.json) return writeLine(io.stdout, JSON.stringify(result, null, 2));
    if ('ran' in result) {
      for (const j of result.ran ?? []) writeLine(io.stdout, `ran ${jobLine(j)}`);
      for (const j of result.waiting ?? []) writeLine(io.stdout, `waiting ${jobLine(j)}`);
      if (!result.ran?.length && !result.waiting?.length) writeLine(io.stdout, 'no queued jobs');
      const failed = result.ran?.filter((j) => j.state === 'failed') ?? [];
      if (failed.length) {
        throw new GreffierError(
          'jobs-failed',
          `${failed.length} job(s) failed: ${failed.map((j) => `${j.id} (${j.error})`).join('; ')}`,
          { hint: 'the audio is safe; fix the cause, then run the jobs again' },
        );
      }
      if (result.waiting?.length) {
        const first = result.waiting[0]!;
        throw new GreffierError(
          'jobs-waiting',
          `${result.waiting.length} job(s) could not start and stay queued: ${first.error ?? `no ${first.kind} engine is available here`}`,
          { hint: 'then run "greffier jobs --resume" again' },
        );
      }
      return;
    }
    if (result.jobs.length === 0) return writeLine(io.stdout, 'no jobs');
    for (const j of result.jobs) writeLine(io.stdout, jobLine(j));
  },
};

const exportCommand: Command = {
  path: ['export'],
  summary: 'export meetings to one encrypted archive (own passphrase)',
  usage: `
Usage: greffier export <meeting-id…> --out <file.greffier> [--archive-passphrase-file <file>]

Writes the meetings (audio, transcript, summary) into a single archive
encrypted with its own passphrase, for another air-gapped PC.
Options:
  --out <file>                      archive to write (must not exist)
  --archive-passphrase-file <file>  the archive's passphrase (else typed twice)
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      out: { type: 'string' },
      'archive-passphrase-file': { type: 'string' },
    });
    if (positionals.length === 0)
      throw new UsageError('export needs at least one meeting id', 'see "greffier list"');
    if (!values.out) throw new UsageError('export needs --out <file.greffier>');
    const { existsSync } = await import('node:fs');
    if (existsSync(values.out)) {
      throw new GreffierError('exists', `${values.out} already exists`, {
        hint: 'choose another --out file or remove it first',
        exitCode: 2,
      });
    }
    const archivePass = await getPassphrase(io, values['archive-passphrase-file'], {
      prompt: 'Archive passphrase: ',
      confirm: true,
      flag: '--archive-passphrase-file',
    });
    try {
      // The same rule as the vault's own passphrase: an archive travels, and can be attacked offline.
      checkNewPassphrase(archivePass, { locale: systemUiLocale(io.env) });
      const result = await withVault(io, values['passphrase-file'], ({ meetings }) =>
        exportArchive(meetings, positionals, values.out!, archivePass),
      );
      writeLine(
        io.stdout,
        `exported ${result.meetings.length} meeting(s) to ${result.path} (${result.bytes} bytes)`,
      );
    } finally {
      archivePass.fill(0);
    }
  },
};

const importArchiveCommand: Command = {
  path: ['import-archive'],
  summary: 'import meetings from an archive (verified before anything changes)',
  usage: `
Usage: greffier import-archive <file.greffier> [--archive-passphrase-file <file>]

The whole archive is authenticated first; a tampered or truncated archive is
refused and the vault is left unchanged.
Options:
  --archive-passphrase-file <file>  the archive's passphrase
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      'archive-passphrase-file': { type: 'string' },
    });
    if (positionals.length !== 1)
      throw new UsageError('import-archive takes the path of one .greffier file');
    const archivePass = await getPassphrase(io, values['archive-passphrase-file'], {
      prompt: 'Archive passphrase: ',
      flag: '--archive-passphrase-file',
    });
    try {
      const result = await withVault(io, values['passphrase-file'], ({ meetings }) =>
        importArchive(meetings, positionals[0]!, archivePass),
      );
      for (const m of result.meetings) writeLine(io.stdout, `imported ${m.id}  ${m.title}`);
    } finally {
      archivePass.fill(0);
    }
  },
};

export const vaultCommands: Command[] = [
  vaultInit,
  vaultPasswd,
  vaultStatus,
  vaultRestore,
  importCommand,
  listCommand,
  showCommand,
  deleteCommand,
  jobsCommand,
  exportCommand,
  importArchiveCommand,
];
