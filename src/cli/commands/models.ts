import { resolve } from 'node:path';
import { GreffierError, UsageError } from '../../core/errors.js';
import { appendAudit } from '../../core/audit/index.js';
import { cataloguePath, loadCatalogue } from '../../core/models/catalogue.js';
import { addModelFile, importModelsFromFolder } from '../../core/models/import.js';
import { checkInstalledModels, installedModelViews } from '../../core/models/installed.js';
import { DEFAULT_SYNTH_SEED, synthModels } from '../../core/models/synth/index.js';
import { checkModelKind } from '../../core/models/verify.js';
import { homePaths } from '../../core/paths.js';
import { ModelKindSchema, type ModelKind } from '../../shared/meetings.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';
import { PASS, passOption, withVault } from '../vault-session.js';

/** Seeds are 32-bit: anything else would silently wrap and surprise a reproducer. */
function parseSeed(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SYNTH_SEED;
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
    throw new UsageError(`--seed takes a whole number from 0 to 4294967295, not "${value}"`);
  }
  return Number(value);
}

export const modelsSynthCommand: Command = {
  path: ['models', 'synth'],
  summary: 'write generated test models (whisper + LLM) with seeded random weights',
  usage: `
Usage: greffier models synth --out DIR [--bench] [--seed N]

Writes two models in real formats with seeded random weights, for tests and
benchmarks (their words are nonsense, their speed is real):
  DIR/whisper-synth.bin   whisper.cpp model, multilingual vocabulary, tiny dimensions
  DIR/llm-synth.gguf      llama-architecture GGUF, 64 wide, 2 blocks
With --bench, real-dimension variants instead:
  DIR/whisper-synth-base.bin  whisper base dimensions (512 state, 6 layers), ~150 MB
  DIR/llm-synth-1.5b.gguf     shaped like a 1.5 B model, Q4_0 blocks, ~1 GB

Options:
  --out DIR    folder to write into (created if missing)
  --bench      write the real-dimension variants
  --seed N     random seed, 0 to 4294967295 (default ${DEFAULT_SYNTH_SEED}); same seed, same bytes
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      out: { type: 'string' },
      bench: { type: 'boolean' },
      seed: { type: 'string' },
    });
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument "${positionals[0]}"`);
    }
    if (!values.out)
      throw new UsageError('--out DIR is required: the folder to write the models into');
    const seed = parseSeed(values.seed);
    const result = synthModels({
      outDir: resolve(values.out),
      bench: values.bench ?? false,
      seed,
      onFile: (path) => writeLine(io.stderr, `writing ${path}`),
    });
    for (const path of [
      result.whisper,
      result.llm,
      result.segmentation,
      result.voiceprint,
      result.speech,
    ]) {
      writeLine(io.stdout, path);
    }
  },
};

function parseKind(value: string | undefined): ModelKind {
  if (value === undefined) {
    throw new UsageError(`--kind is required: ${ModelKindSchema.options.join(', ')}`);
  }
  const kind = ModelKindSchema.safeParse(value);
  if (!kind.success) {
    throw new UsageError(`--kind takes ${ModelKindSchema.options.join(', ')}, not "${value}"`);
  }
  return kind.data;
}

function megabytes(bytes: number | null): string {
  return bytes === null ? '?' : `${Math.round(bytes / 1e6)} MB`;
}

const PASS_USAGE = `  ${PASS}`;

/** A progress line on stderr every 5 %, for copies that take minutes (a 5 GB model). */
function copyProgress(io: { stderr: NodeJS.WritableStream }) {
  let shown = -1;
  return (done: number, total: number) => {
    if (total < 256e6) return;
    const percent = Math.floor((done / total) * 20) * 5;
    if (percent === shown) return;
    shown = percent;
    writeLine(io.stderr, `copying ${percent}% of ${megabytes(total)}`);
  };
}

export const modelsAddCommand: Command = {
  path: ['models', 'add'],
  summary: 'verify a model file against the catalogue and make it the default for its kind',
  usage: `
Usage: greffier models add <file> --kind asr|vad|llm|embedding|segmentation|voiceprint [--trust-unlisted] [--passphrase-file FILE]

Checks that the file is the kind of model given, copies it into Greffier's own
models folder ($GREFFIER_HOME/models, closed to other users), computing its
SHA-256 on the way, and looks that up in the model catalogue; records the copy
in the vault settings and makes it the default for its kind. A file the
catalogue does not vouch for is refused unless --trust-unlisted is given (with
a warning). A file carrying a catalogue name with other bytes is always
refused. The original file is not needed afterwards.

Options:
  --kind K           asr (whisper.cpp), vad (Silero VAD), llm or embedding (GGUF)
  --trust-unlisted   accept a file that is not in the catalogue
${PASS_USAGE}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      kind: { type: 'string' },
      'trust-unlisted': { type: 'boolean' },
      ...passOption,
    });
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? 'give the model file to add, e.g. greffier models add models/ggml-base-q5_1.bin --kind asr'
          : `models add takes one file, not ${positionals.length}`,
      );
    }
    const kind = parseKind(values.kind);
    const path = resolve(positionals[0]!);
    // A file of the wrong kind fails before the passphrase is asked for.
    await checkModelKind(path, kind);
    const catalogue = loadCatalogue(cataloguePath(io.env));
    const added = await withVault(io, values['passphrase-file'], (vault) =>
      addModelFile(vault, path, kind, {
        modelsDir: homePaths(io.env).models,
        trustUnlisted: values['trust-unlisted'] ?? false,
        catalogue,
        env: io.env,
        signal: io.signal,
        onBytes: copyProgress(io),
      }),
    );
    if (added.warning) writeLine(io.stderr, `greffier: warning: ${added.warning}`);
    const entry = catalogue.models.find((m) => m.id === added.catalogueId);
    const what = entry ? entry.name : 'unlisted model (trusted explicitly)';
    writeLine(io.stdout, `${kind}\t${added.path}\t${what}\tdefault`);
    writeLine(io.stderr, `greffier: ${added.source} copied to ${added.path}`);
  },
};

export const modelsImportCommand: Command = {
  path: ['models', 'import'],
  summary: 'verify and install every model file of a folder (e.g. a USB drive from IT)',
  usage: `
Usage: greffier models import <folder> [--trust-unlisted] [--passphrase-file FILE]

Looks at each file directly in the folder and tells its kind from its bytes
(whisper.cpp, Silero VAD, GGUF; a GGUF's metadata tells an embedding model
from a language model), copies it into Greffier's models folder and verifies
it as "greffier models add" does. A model becomes the default of its kind only
when that kind has none yet. Files that fail are listed with the reason; the
command fails (exit 1) when nothing could be imported.

Options:
  --trust-unlisted   also accept files the catalogue does not vouch for
${PASS_USAGE}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      'trust-unlisted': { type: 'boolean' },
      ...passOption,
    });
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? 'give the folder to import, e.g. greffier models import /media/usb/models'
          : `models import takes one folder, not ${positionals.length}`,
      );
    }
    const folder = resolve(positionals[0]!);
    const modelsDir = homePaths(io.env).models;
    const result = await withVault(io, values['passphrase-file'], (vault) =>
      importModelsFromFolder(vault, folder, {
        modelsDir,
        env: io.env,
        trustUnlisted: values['trust-unlisted'] ?? false,
        catalogue: loadCatalogue(cataloguePath(io.env)),
        signal: io.signal,
        onFile: (name) => writeLine(io.stderr, `greffier: copying ${name}`),
      }),
    );
    for (const warning of result.warnings) writeLine(io.stderr, `greffier: warning: ${warning}`);
    for (const model of result.imported) {
      writeLine(
        io.stdout,
        `imported ${model.kind}\t${model.path}\t${model.catalogueId ?? 'unlisted (trusted)'}${model.default ? '\tdefault' : ''}`,
      );
    }
    for (const line of result.skipped) writeLine(io.stdout, `skipped  ${line}`);
    if (result.imported.length > 0) {
      writeLine(io.stderr, `greffier: the models were copied to ${modelsDir}`);
    }
    if (result.imported.length === 0) {
      throw new GreffierError('import-nothing', `no model could be imported from ${folder}`, {
        hint: 'see the reasons above; unlisted files need --trust-unlisted',
      });
    }
  },
};

export const modelsListCommand: Command = {
  path: ['models', 'list'],
  summary: 'list the models installed in the vault and whether their files are unchanged',
  usage: `
Usage: greffier models list [--json] [--passphrase-file FILE]

Shows each installed model: kind, default mark, status and path. Status is
"verified" (catalogue checksum), "trusted-unlisted" (accepted with
--trust-unlisted), "changed" (size differs, or the file was replaced by a
link: it will be refused), "unchecked" (inode, change or modified time moved:
the checksum is computed again before loading) or "missing".

Options:
  --json   one JSON array on stdout
${PASS_USAGE}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      json: { type: 'boolean' },
      ...passOption,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const views = await withVault(io, values['passphrase-file'], async (vault) =>
      installedModelViews(vault.getSettings()),
    );
    if (values.json) {
      writeLine(io.stdout, JSON.stringify(views));
      return;
    }
    if (views.length === 0) {
      writeLine(
        io.stdout,
        'no model installed — add one with "greffier models add <file> --kind K"',
      );
      return;
    }
    for (const v of views) {
      writeLine(
        io.stdout,
        `${v.kind.padEnd(9)} ${v.isDefault ? '*' : ' '} ${v.verification.padEnd(16)} ${megabytes(v.sizeBytes).padStart(8)}  ${v.path}`,
      );
    }
  },
};

export const modelsCheckCommand: Command = {
  path: ['models', 'check'],
  summary: 'compute the SHA-256 of every installed model again and report any change',
  usage: `
Usage: greffier models check [--json] [--passphrase-file FILE]

Reads every installed model file in full and compares its SHA-256 with the one
recorded when it was verified. Exit 1 when a model changed or is missing
(such a model is refused when something tries to load it).

Options:
  --json   one JSON array on stdout
${PASS_USAGE}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      json: { type: 'boolean' },
      ...passOption,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const checks = await withVault(io, values['passphrase-file'], (vault) =>
      checkInstalledModels(vault, { signal: io.signal }),
    );
    if (values.json) writeLine(io.stdout, JSON.stringify(checks));
    else {
      for (const c of checks)
        writeLine(io.stdout, `${c.kind.padEnd(9)} ${c.status.padEnd(9)} ${c.path}`);
      if (checks.length === 0) writeLine(io.stdout, 'no model installed');
    }
    const bad = checks.filter((c) => c.status !== 'unchanged');
    if (bad.length > 0) {
      throw new GreffierError(
        'model-changed',
        `${bad.length} installed model(s) changed or missing: ${bad.map((c) => c.path).join(', ')}`,
        { hint: 'restore the files IT provided, or add verified ones with "greffier models add"' },
      );
    }
  },
};

export const modelsCatalogueCommand: Command = {
  path: ['models', 'catalogue'],
  summary: 'show the models Greffier knows by checksum (what IT can provide)',
  usage: `
Usage: greffier models catalogue [--json]

Lists the catalogue shipped with Greffier: id, kind, size, licence, RAM
estimate, and whether its SHA-256 is confirmed (entries without one are
refused unless trusted explicitly).
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const catalogue = loadCatalogue(cataloguePath(io.env));
    if (values.json) {
      writeLine(io.stdout, JSON.stringify(catalogue.models));
      return;
    }
    for (const m of catalogue.models) {
      writeLine(
        io.stdout,
        `${m.kind.padEnd(9)} ${m.id.padEnd(32)} ${megabytes(m.sizeBytes).padStart(8)}  RAM ~${m.ramMB} MB  ${m.sha256Confirmed ? 'sha256 confirmed' : 'sha256 NOT confirmed'}  ${m.licence}`,
      );
    }
  },
};

export const modelsVadCommand: Command = {
  path: ['models', 'vad'],
  summary: 'say whether the installed VAD model skips silence, or turn it on or off',
  usage: `
Usage: greffier models vad [on|off] [--passphrase-file FILE]

When a Silero VAD model is installed (greffier models add FILE --kind vad),
transcriptions of imports and recordings skip silence with it: whisper is given
the speech only. "off" keeps the model installed but gives whisper all the
audio; "on" (the default) uses it again. Without an argument: the setting.
A --vad-model flag always wins over the setting.

Options:
${PASS_USAGE}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
    });
    const [wanted, extra] = positionals;
    if (extra !== undefined || (wanted !== undefined && wanted !== 'on' && wanted !== 'off')) {
      throw new UsageError('models vad takes on or off (or nothing to see the setting)');
    }
    const settings = await withVault(io, values['passphrase-file'], async (vault) => {
      if (wanted === undefined) return vault.getSettings();
      const updated = await vault.updateSettings({ useVad: wanted === 'on' });
      await appendAudit(vault, { action: 'settings.changed', details: { useVad: wanted } });
      return updated;
    });
    const installed = (settings.models.vad ?? []).length > 0;
    writeLine(
      io.stdout,
      `vad ${settings.useVad ? 'on' : 'off'}${installed ? '' : ' (no VAD model installed: add one with "greffier models add FILE --kind vad")'}`,
    );
  },
};

export const modelsCommands: Command[] = [
  modelsSynthCommand,
  modelsAddCommand,
  modelsImportCommand,
  modelsListCommand,
  modelsCheckCommand,
  modelsCatalogueCommand,
  modelsVadCommand,
];
