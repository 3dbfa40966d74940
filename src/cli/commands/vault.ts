import { GreffierError, UsageError } from '../../core/errors.js';
import { appendAudit } from '../../core/audit/index.js';
import { createVault } from '../../core/meetings/index.js';
import { Vault } from '../../core/vault/vault.js';
import { systemUiLocale } from '../../core/app/locale.js';
import { machinePolicy } from '../../core/policy.js';
import { importPolicyModels } from '../../core/models/import.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';
import { getPassphrase, vaultDirFor } from '../passphrase.js';
import { PASS, passOption, withOpenVault } from '../vault-session.js';

/** The vault itself: create it, change its passphrase, say how it is, repair it. */

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
      const minLength = machinePolicy(io.env).minPassphraseLength;
      const { vault } = await createVault(dir, passphrase, {
        autoLockMinutes: 0,
        locale: systemUiLocale(io.env),
        ...(minLength ? { minLength } : {}),
      });
      try {
        const preinstalled = await importPolicyModels(vault, io.env);
        for (const model of preinstalled?.imported ?? []) {
          writeLine(
            io.stderr,
            `greffier: installed ${model.kind} model ${model.source} (machine policy)`,
          );
        }
        for (const line of preinstalled?.skipped ?? [])
          writeLine(io.stderr, `greffier: skipped ${line}`);
      } finally {
        await vault.lock();
      }
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
    await withOpenVault(io, values['passphrase-file'], async ({ vault }) => {
      const next = await getPassphrase(io, values['new-passphrase-file'], {
        prompt: 'New passphrase: ',
        confirm: true,
        flag: '--new-passphrase-file',
      });
      try {
        await vault.changePassphrase(
          next,
          undefined,
          systemUiLocale(io.env),
          machinePolicy(io.env).minPassphraseLength,
        );
        await appendAudit(vault, { action: 'vault.passphrase-changed' });
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
      status.meetings = await withOpenVault(
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

export const vaultCommands: Command[] = [vaultInit, vaultPasswd, vaultStatus, vaultRestore];
