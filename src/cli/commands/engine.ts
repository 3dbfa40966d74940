import { resolve } from 'node:path';
import { ensureWhisperCli, whisperCliStatus } from '../../core/asr/engine.js';
import { GreffierError, UsageError } from '../../core/errors.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';

const buildUsage = `
Usage: greffier engine build [--portable | --variants] [--dir DIR] [--force] [--quiet]

Builds whisper-cli once from the whisper.cpp source bundled with nodejs-whisper,
into engines/whisper/ of the project. Needs CMake and a C++ compiler
(Debian/Ubuntu: apt-get install cmake g++ make). Does nothing when a binary
built from the same source with the same options exists.

Options:
  --portable   for installers: a common x86-64 baseline (AVX2) instead of this CPU's
               instructions, no OpenMP, C++ runtime linked in
  --variants   for installers: ggml's per-CPU variants (SSE4.2, AVX, AVX2, AVX-512…)
               as libraries beside the binary; the best one for the PC is loaded at
               start, so PCs without AVX2 still transcribe (slow to build: 14 variants)
  --dir DIR    build into DIR instead of the project's engines/whisper
  --force      build again even if an up-to-date binary exists
  --quiet      print only the path of the binary
`;

const statusUsage = `
Usage: greffier engine status [--json]

Says where whisper-cli is, what it was built from, and whether it matches the
bundled source.
`;

export const engineBuildCommand: Command = {
  path: ['engine', 'build'],
  summary: 'build the whisper.cpp engine (whisper-cli) from the bundled source',
  usage: buildUsage,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      argv,
      {
        portable: { type: 'boolean' },
        variants: { type: 'boolean' },
        dir: { type: 'string' },
        force: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
      false,
    );
    const path = await ensureWhisperCli({
      portable: !!values.portable,
      variants: !!values.variants,
      ...(values.dir ? { dir: resolve(values.dir) } : {}),
      force: !!values.force,
      signal: io.signal,
      env: io.env,
      onLog: values.quiet ? undefined : (line) => writeLine(io.stderr, line),
    });
    writeLine(io.stdout, path);
  },
};

export const engineStatusCommand: Command = {
  path: ['engine', 'status'],
  summary: 'show where whisper-cli is and what it was built from',
  usage: statusUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    if (positionals.length > 0)
      throw new UsageError(`engine status takes no arguments ("${positionals[0]}")`);
    const status = whisperCliStatus(io.env);
    if (values.json) {
      writeLine(io.stdout, JSON.stringify(status));
    } else {
      writeLine(
        io.stdout,
        `whisper-cli: ${status.path ?? 'not built (run "npm run build:whisper")'}`,
      );
      writeLine(
        io.stdout,
        status.source
          ? `source: whisper.cpp ${status.source.whisperCpp} from nodejs-whisper ${status.source.nodejsWhisper}`
          : 'source: not present (packaged app)',
      );
      if (status.stamp) {
        writeLine(
          io.stdout,
          `built: ${status.stamp.variants ? 'with CPU variants' : status.stamp.portable ? 'portable' : 'native'} ${status.stamp.platform}-${status.stamp.arch}` +
            (status.stamp.builtAt ? ` at ${status.stamp.builtAt}` : '') +
            (status.upToDate ? '' : ' (out of date: run "greffier engine build")'),
        );
      }
      writeLine(
        io.stdout,
        `whisper host: ${status.host ?? 'not built (run "npm run build:whisper")'}`,
      );
    }
    if (!values.json && status.variants) {
      const { built, selected, forced } = status.variants;
      writeLine(io.stdout, `CPU variants: ${built.join(', ')}`);
      writeLine(
        io.stdout,
        forced
          ? `CPU variant in use: ${forced} (forced by GREFFIER_CPU_VARIANT; this CPU would get ${selected ?? 'unknown'})`
          : `CPU variant in use: ${selected ?? 'chosen by ggml at start (CPU flags unknown here)'}`,
      );
    }
    // A missing engine is a failure a script can test for (exit 1).
    if (!status.path) {
      throw new GreffierError('engine-missing', 'The whisper-cli engine is not built yet', {
        hint: 'run "npm run build:whisper" (or "greffier engine build")',
      });
    }
  },
};

export const engineCommands: Command[] = [engineBuildCommand, engineStatusCommand];
