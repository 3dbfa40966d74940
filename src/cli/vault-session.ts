import { GreffierError } from '../core/errors.js';
import { attach, type OpenVault } from '../core/meetings/index.js';
import { Vault } from '../core/vault/vault.js';
import type { CommandIo } from './command.js';
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
    vault = await Vault.open(dir, passphrase, { autoLockMinutes: 0 });
  } finally {
    passphrase.fill(0);
  }
  try {
    return await use(vault);
  } finally {
    await vault.lock();
  }
}

/** Same as withVault, with the vault's meetings and jobs attached. */
export function withOpenVault<T>(
  io: CommandIo,
  passphraseFile: string | undefined,
  use: (open: OpenVault) => Promise<T>,
): Promise<T> {
  return withVault(io, passphraseFile, (vault) => use(attach(vault)));
}
