import { appendFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isGreffierError } from '../errors.js';
import { readIfExists } from '../vault/durable.js';
import { Vault, type OpenOptions } from '../vault/vault.js';
import { appendAudit } from './log.js';

/**
 * Failed unlocks happen while no key is there to seal them: they wait in a
 * plain file beside the vault (a time and nothing else) and enter the
 * sealed trail at the next unlock. Someone with the disk can delete that
 * file, which the threat model says; the trail itself cannot be edited.
 */
const PENDING = 'audit-failed-unlocks.log';

async function noteFailedUnlock(dir: string): Promise<void> {
  await appendFile(join(dir, PENDING), `${new Date().toISOString()}\n`, { mode: 0o600 }).catch(
    () => undefined,
  );
}

async function flushFailedUnlocks(vault: Vault): Promise<void> {
  const path = join(vault.dir, PENDING);
  const text = (await readIfExists(path))?.toString('utf8') ?? '';
  for (const at of text.split('\n').filter((line) => /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(line))) {
    await appendAudit(vault, { action: 'vault.unlock-failed', details: { at } });
  }
  if (text) await rm(path, { force: true });
}

const watched = new WeakSet<Vault>();

/**
 * "vault.locked" is written while the keys are still there, after the
 * other before-lock work (recordings closing): call this once the vault's
 * meetings are attached, so the hook runs last.
 */
export function auditLocks(vault: Vault): void {
  if (watched.has(vault)) return;
  watched.add(vault);
  vault.beforeLock(async () => {
    await appendAudit(vault, { action: 'vault.locked' }).catch(() => undefined);
  });
}

/** Vault.open with the trail told: a wrong passphrase noted, a success recorded. */
export async function openAudited(
  dir: string,
  passphrase: Buffer,
  options: OpenOptions = {},
): Promise<Vault> {
  let vault: Vault;
  try {
    vault = await Vault.open(dir, passphrase, options);
  } catch (error) {
    if (isGreffierError(error) && error.code === 'wrong-passphrase') await noteFailedUnlock(dir);
    throw error;
  }
  await flushFailedUnlocks(vault);
  await appendAudit(vault, { action: 'vault.opened' });
  return vault;
}

/** A passphrase checked again on an open vault (the app's re-unlock, a passphrase change). */
export async function auditPassphraseCheck<T>(vault: Vault, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (isGreffierError(error) && error.code === 'wrong-passphrase') {
      await appendAudit(vault, { action: 'vault.unlock-failed' }).catch(() => undefined);
    }
    throw error;
  }
}
