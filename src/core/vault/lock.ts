import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { GreffierError } from '../errors.js';

export const LOCK_FILE = 'vault.lock';

/** Held while a process has the vault open; released on lock or exit. */
export interface FolderLock {
  readonly pid: number;
  release(): void;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function youngerThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < ms;
  } catch {
    return false;
  }
}

/** The PID of a live process holding the vault folder, if one does. */
export function folderLockHolder(dir: string): number | undefined {
  const holder = readHolder(join(dir, LOCK_FILE));
  return holder !== undefined && pidAlive(holder) ? holder : undefined;
}

/**
 * One process at a time: lowdb keeps the catalogue in memory, so a second
 * writer would silently undo the first one's changes. The lock file is
 * created with O_EXCL and holds the PID; a lock left by a killed process
 * (PID no longer running) is taken over.
 */
export function acquireFolderLock(dir: string): FolderLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      let released = false;
      const onExit = () => release();
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', onExit);
        if (readHolder(path) === process.pid) {
          try {
            unlinkSync(path);
          } catch {
            // Already gone: nothing to release.
          }
        }
      };
      process.on('exit', onExit);
      return { pid: process.pid, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holder === process.pid) {
        throw new GreffierError(
          'vault-in-use',
          `the vault at ${dir} is already open in this process`,
          {
            hint: 'lock it before opening it again',
          },
        );
      }
      if (holder !== undefined && pidAlive(holder)) {
        throw new GreffierError('vault-in-use', `vault in use by PID ${holder} (${dir})`, {
          hint: 'close the other Greffier window or command first, then try again',
        });
      }
      if (holder === undefined && youngerThan(path, 5_000)) {
        // Another process created the file and is writing its PID right now.
        throw new GreffierError(
          'vault-in-use',
          `the vault at ${dir} is being opened by another process`,
          {
            hint: 'wait a moment and try again',
          },
        );
      }
      // Stale: the holder died (kill -9, power cut) or the file is half-written.
      try {
        unlinkSync(path);
      } catch {
        // Another process may have taken it over first; the next attempt tells.
      }
    }
  }
  throw new GreffierError('vault-in-use', `could not take the lock of the vault at ${dir}`, {
    hint: `another process keeps taking it; close it, or remove ${path} if no Greffier is running`,
  });
}
