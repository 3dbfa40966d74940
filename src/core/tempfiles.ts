import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GreffierError } from './errors.js';
import { homePaths } from './paths.js';

/**
 * The private scratch folder. Since audio goes to whisper on its standard
 * input, the only things made here are the FIFOs whisper writes its result
 * into (asr/result-pipe.ts): names without content on disk. It stays per user
 * and mode 0700 so no other account can open them, and each process works in
 * its own run-<pid>-… subfolder so that the start-up sweep of one process
 * never deletes a pipe another live process is still using (tests run several
 * at once).
 */
export function privateTempRoot(env: NodeJS.ProcessEnv = process.env): string {
  return homePaths(env).temp;
}

function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.isSymbolicLink()) {
    throw new GreffierError('temp-unsafe', `The private temporary folder ${dir} is not a folder`, {
      hint: 'remove it (or set GREFFIER_TEMP to another folder) and try again',
    });
  }
  if (process.platform !== 'win32') {
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      throw new GreffierError(
        'temp-unsafe',
        `The private temporary folder ${dir} belongs to another user, so meeting audio would not be private there`,
        { hint: 'remove it (or set GREFFIER_TEMP to a folder of your own) and try again' },
      );
    }
    // A folder left with wider rights (umask, older version) is tightened rather than trusted.
    if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  }
}

let runDir: string | undefined;

/** This process's own private folder, created on first use. */
export function privateTempDir(): string {
  if (runDir) {
    try {
      if (lstatSync(runDir).isDirectory()) return runDir;
    } catch {
      // Swept away (e.g. by a user): make it again below.
    }
  }
  const root = privateTempRoot();
  ensurePrivateDir(root);
  const dir = join(root, `run-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { mode: 0o700 });
  runDir = dir;
  return dir;
}

/** A fresh path in the private folder; nothing is created. */
export function privateTempPath(suffix = ''): string {
  return join(privateTempDir(), `${randomBytes(8).toString('hex')}${suffix}`);
}

/** Runs `use` with a private temporary path and removes the file (and siblings with that stem) afterwards. */
export async function withPrivateTempPath<T>(
  suffix: string,
  use: (path: string) => Promise<T>,
): Promise<T> {
  const path = privateTempPath(suffix);
  try {
    return await use(path);
  } finally {
    removeQuietly(path);
  }
}

export function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true, recursive: true });
  } catch {
    // Already gone or not ours to remove: the start-up sweep catches leftovers.
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The start-up sweep: removes what a crashed or killed run left behind (its
 * run folder's pid is gone), plus any stray file at the top of the folder.
 * Returns the number of entries removed.
 */
export function clearPrivateTemp(env: NodeJS.ProcessEnv = process.env): number {
  const root = privateTempRoot(env);
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return 0;
  }
  ensurePrivateDir(root);
  let removed = 0;
  for (const name of entries) {
    const match = /^run-(\d+)-[0-9a-f]+$/.exec(name);
    if (match && isAlive(Number(match[1]))) continue;
    removeQuietly(join(root, name));
    removed++;
  }
  return removed;
}
