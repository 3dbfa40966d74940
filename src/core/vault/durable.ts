import { closeSync, constants, fsyncSync, openSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes that survive a power cut. lowdb's steno writer does temp + rename
 * but never fsyncs, so after a crash the new name can point at an empty
 * file. Here: temp file fsynced, previous version kept as `.bak` (a hard
 * link, so no copy), rename, then the folder fsynced so the rename itself
 * is on disk.
 */

export function backupPath(file: string): string {
  return `${file}.bak`;
}

/**
 * A fresh, unguessable temp name beside the file, created with O_EXCL
 * ('wx'): a name planted in advance (a symlink to another file) makes the
 * write fail instead of following it, and two writers never share one.
 */
function tempPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

export const TEMP_SUFFIX = '.tmp';

/** Temp files a killed process left in `dir` (only while holding the vault's folder lock). */
export async function removeStaleTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith('.') && name.endsWith(TEMP_SUFFIX)) {
      await rm(join(dir, name), { force: true });
    }
  }
}

/** fsync of a folder makes renames and new names durable (no-op where unsupported: Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncDir for the few synchronous moments (start-up, before anything else runs). */
export function fsyncDirSync(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function writeDurable(
  file: string,
  data: Uint8Array,
  options: { backup?: boolean; mode?: number } = {},
): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = tempPath(file);
  const handle = await open(temp, 'wx', options.mode ?? 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  if (options.backup) {
    // The current file becomes the backup before the new one replaces it, so
    // at every instant `file` exists and is a complete version.
    await rm(backupPath(file), { force: true });
    try {
      await link(file, backupPath(file));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        // No current version yet: nothing to keep.
      } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'EMLINK') {
        // Filesystems without hard links (FAT/exFAT removable media): a real copy.
        await writeDurable(backupPath(file), await readFile(file));
      } else {
        throw error;
      }
    }
  }
  await rename(temp, file);
  await fsyncDir(dir);
}

/**
 * After a change that must not survive in the backup (a shredded meeting
 * key, a passphrase change), the backup becomes a copy of the current
 * file. A real copy, not a hard link: an in-place change to one (disk
 * damage, a tool editing it) must not reach the other.
 */
export async function replaceBackupWithCurrent(file: string): Promise<void> {
  const bytes = await readFile(file);
  await writeDurable(backupPath(file), bytes);
}

/** FileHandle.write may store only part of a buffer (disk nearly full): write it all or throw. */
export async function writeAll(
  handle: FileHandle,
  bytes: Uint8Array,
  position: number,
): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/** Reads exactly `length` bytes at `position`, or undefined when the file ends first (a torn tail). */
export async function readExactly(
  handle: FileHandle,
  length: number,
  position: number,
): Promise<Buffer | undefined> {
  const buffer = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buffer, got, length - got, position + got);
    if (bytesRead === 0) return undefined;
    got += bytesRead;
  }
  return buffer;
}

export async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function removeDurable(file: string): Promise<void> {
  await unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** Appends, truncates and syncs: the journal needs a handle it keeps open. */
export { open as openFile };
