import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { GreffierError } from '../errors.js';
import { homePaths } from '../paths.js';
import { fsyncDirSync } from './durable.js';
import { folderLockHolder } from './lock.js';

/** What a vault folder holds at its top level (current files, backups, damaged copies). */
const VAULT_ENTRY = /^(vault\.json|catalogue\.db|vault\.lock|meetings|blobs)(\..*)?$/;
const MOVING = 'vault.moving';

export interface VaultLocation {
  /** The vault folder both doors open: GREFFIER_HOME/vault. */
  dir: string;
  /** Set when a vault of an earlier version was found at GREFFIER_HOME itself and moved. */
  movedFrom?: string;
}

/**
 * Where the vault is, for the app, the browser host and the CLI alike. Early
 * versions of the app kept the vault at GREFFIER_HOME itself while the CLI
 * used GREFFIER_HOME/vault; such a vault is moved once into place. Every
 * entry goes into a staging folder first and the staging folder is renamed
 * last, so a crash halfway leaves either the old layout or a staging folder
 * that the next start finishes moving — never two half vaults.
 */
export function locateVault(env: NodeJS.ProcessEnv = process.env): VaultLocation {
  const { home, vault } = homePaths(env);
  const staging = join(home, MOVING);
  const legacyHeader = existsSync(join(home, 'vault.json'));
  if (!existsSync(staging) && (!legacyHeader || existsSync(join(vault, 'vault.json')))) {
    return { dir: vault };
  }
  if (existsSync(join(vault, 'vault.json'))) {
    // Both exist: never merge two vaults; the one in place wins and the other is reported.
    throw new GreffierError(
      'vault-two-places',
      `there is a vault in ${vault} and another of an earlier version in ${home}`,
      {
        hint: `keep one: move the files of the one you do not use out of ${home} (vault.json, catalogue.db, meetings, blobs)`,
      },
    );
  }
  const holder = folderLockHolder(home);
  if (holder !== undefined) {
    throw new GreffierError(
      'vault-in-use',
      `the vault in ${home} is open in another Greffier process (PID ${holder}) and cannot be moved now`,
      { hint: 'close the other Greffier window or command, then try again' },
    );
  }
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  const entries = readdirSync(home).filter((name) => VAULT_ENTRY.test(name));
  // The header goes last: until it has moved, the old location still reads as a vault.
  entries.sort((a, b) => Number(a.startsWith('vault.json')) - Number(b.startsWith('vault.json')));
  for (const name of entries) renameSync(join(home, name), join(staging, name));
  fsyncDirSync(staging);
  renameSync(staging, vault);
  fsyncDirSync(home);
  return { dir: vault, movedFrom: home };
}

/** The one-line notice the doors show after a move. */
export function vaultMovedNotice(location: VaultLocation): string | undefined {
  return location.movedFrom
    ? `the vault of an earlier version was moved from ${location.movedFrom} to ${location.dir}`
    : undefined;
}
