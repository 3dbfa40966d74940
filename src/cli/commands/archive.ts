import { GreffierError, UsageError } from '../../core/errors.js';
import { exportArchive, importArchive } from '../../core/meetings/archive.js';
import { checkNewPassphrase } from '../../core/vault/vault.js';
import { machinePolicy, requireFeature } from '../../core/policy.js';
import { systemUiLocale } from '../../core/app/locale.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';
import { getPassphrase } from '../passphrase.js';
import { PASS, passOption, withOpenVault } from '../vault-session.js';

/** Transfer archives between air-gapped PCs (encrypted with their own passphrase). */

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
    // An archive takes meetings off this PC: the policy's « exports » covers it too.
    requireFeature('exports', io.env);
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
      const minLength = machinePolicy(io.env).minPassphraseLength;
      checkNewPassphrase(archivePass, {
        locale: systemUiLocale(io.env),
        ...(minLength ? { minLength } : {}),
      });
      const result = await withOpenVault(io, values['passphrase-file'], ({ meetings }) =>
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
      const result = await withOpenVault(io, values['passphrase-file'], ({ meetings }) =>
        importArchive(meetings, positionals[0]!, archivePass),
      );
      for (const m of result.meetings) writeLine(io.stdout, `imported ${m.id}  ${m.title}`);
    } finally {
      archivePass.fill(0);
    }
  },
};

export const archiveCommands: Command[] = [exportCommand, importArchiveCommand];
