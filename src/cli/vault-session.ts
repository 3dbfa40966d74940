import { GreffierError, UsageError } from '../core/errors.js';
import { auditLocks, openAudited } from '../core/audit/index.js';
import { attach, type OpenVault } from '../core/meetings/index.js';
import { Vault } from '../core/vault/vault.js';
import { writeLine, type CommandIo } from './command.js';
import { getPassphrase, vaultDirFor } from './passphrase.js';

/**
 * Opens the vault for one command and locks it again (keys zeroed) whatever
 * happens. The one place the CLI unlocks a vault, so every command refuses a
 * missing vault and handles the passphrase the same way.
 */
export async function withVault<T>(
  io: CommandIo,
  passphraseFile: string | undefined,
  use: (vault: Vault) => Promise<T>,
): Promise<T> {
  const dir = vaultDirFor(io);
  if (!Vault.exists(dir)) {
    throw new GreffierError('no-vault', `there is no vault in ${dir}`, {
      hint: 'create one with "greffier vault init", or set GREFFIER_HOME to the folder that holds it',
    });
  }
  const passphrase = await getPassphrase(io, passphraseFile);
  let vault: Vault;
  try {
    // Short commands: no idle lock, the command locks on exit.
    vault = await openAudited(dir, passphrase, { autoLockMinutes: 0 });
    auditLocks(vault);
  } finally {
    passphrase.fill(0);
  }
  try {
    return await use(vault);
  } finally {
    await vault.lock();
  }
}

/**
 * Same as withVault, with the vault's meetings and jobs attached; says on
 * stderr what the last crash recovery did, whatever the command.
 */
export function withOpenVault<T>(
  io: CommandIo,
  passphraseFile: string | undefined,
  use: (open: OpenVault) => Promise<T>,
): Promise<T> {
  return withVault(io, passphraseFile, (vault) => {
    const open = attach(vault);
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

/** The passphrase option every vault command takes, and its help line. */
export const PASS =
  '--passphrase-file <file>  file holding the vault passphrase (else typed at a terminal)';
export const passOption = { 'passphrase-file': { type: 'string' } } as const;

/** The one meeting id a command takes. */
export function oneId(positionals: string[], command: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      `${command} takes one meeting id${positionals.length ? `, not ${positionals.length}` : ''}`,
      `e.g. greffier ${command} m0123abcd — see "greffier list"`,
    );
  }
  return positionals[0]!;
}
