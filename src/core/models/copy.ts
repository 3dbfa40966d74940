import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, lstat, mkdir, open, realpath, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { GreffierError } from '../errors.js';
import { writeAll } from '../vault/durable.js';
import { fingerprintOf, modelUnreadable, sha256File, type ModelFingerprint } from './verify.js';

/** Greffier's own copy of a model file, hashed while it was written. */
export interface ModelCopy {
  /** Where the copy is, inside the models folder. */
  path: string;
  /** The file that was copied, symbolic links resolved. */
  source: string;
  sha256: string;
  fingerprint: ModelFingerprint;
  /** True when an identical copy was already there and is used as it is. */
  reused: boolean;
}

export interface CopyOptions {
  signal?: AbortSignal;
  /** Bytes copied so far and the total, for a progress line on a 5 GB model. */
  onBytes?: (done: number, total: number) => void;
}

// O_NOFOLLOW does not exist on Windows; there the 0700 folder is the guard.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const CHUNK = 4 << 20;

/**
 * Creates the models folder (0700) or checks the one there: a real folder,
 * not a symbolic link, owned by this user, closed to others.
 */
export async function ensureModelsFolder(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
    throw new GreffierError(
      'models-folder',
      `the models folder ${dir} is ${info.isDirectory() ? 'owned by another user' : 'not a folder (a link or a file)'}`,
      { hint: 'remove it (Greffier recreates it), or set GREFFIER_HOME to a folder of your own' },
    );
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) await chmod(dir, 0o700);
  return realpath(dir);
}

async function openSource(path: string): Promise<{ real: string; handle: FileHandle }> {
  let real: string;
  try {
    // Links are resolved before anything: the copy and the record name the real file.
    real = await realpath(path);
  } catch (error) {
    throw modelUnreadable(
      path,
      error,
      'check the path (models usually arrive in the models/ folder or on removable media)',
    );
  }
  const handle = await open(real, constants.O_RDONLY | NOFOLLOW);
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new GreffierError('model-missing', `${path} is not a model file (it is a folder)`, {
      hint: 'give the path of the model file itself',
      exitCode: 2,
    });
  }
  return { real, handle };
}

/** Streams source into a fresh exclusive file, hashing on the way: one read of a 5 GB model. */
async function streamCopy(
  source: FileHandle,
  target: FileHandle,
  total: number,
  options: CopyOptions,
): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let done = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const { bytesRead } = await source.read(buffer, 0, CHUNK, done);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    await writeAll(target, chunk, done);
    done += bytesRead;
    options.onBytes?.(done, total);
  }
  return hash.digest('hex');
}

/** The sha256 of a file already in the models folder, or undefined when it is not a plain file. */
async function existingSha256(path: string, signal?: AbortSignal): Promise<string | undefined> {
  const info = await lstat(path);
  if (!info.isFile()) return undefined;
  return sha256File(path, signal ? { signal } : {});
}

function describeWriteError(error: unknown, dir: string): GreffierError {
  const code = (error as NodeJS.ErrnoException).code;
  return new GreffierError(
    'model-copy',
    code === 'ENOSPC'
      ? `not enough free space in ${dir} to copy the model`
      : `the model cannot be copied into ${dir} (${code ?? (error as Error).message})`,
    {
      hint:
        code === 'ENOSPC'
          ? 'free some space (a model can take several gigabytes), then add it again'
          : 'check that the folder is yours and writable',
      cause: error,
    },
  );
}

/**
 * Copies a model file into the app-owned models folder: a temporary name
 * created exclusively (never following a link), the bytes hashed while they
 * are written, then linked to its final name, which also never replaces
 * anything. A file of the same name with the same bytes is reused; with other
 * bytes, the copy takes the name plus the start of its checksum.
 */
export async function copyModelIntoFolder(
  sourcePath: string,
  modelsDir: string,
  options: CopyOptions = {},
): Promise<ModelCopy> {
  const dir = await ensureModelsFolder(modelsDir);
  const { real, handle: source } = await openSource(sourcePath);
  const temp = join(dir, `.${basename(real)}.${randomBytes(6).toString('hex')}.part`);
  let target: FileHandle | undefined;
  try {
    const before = fingerprintOf(await source.stat());
    if (dirname(real) === dir) {
      // Already Greffier's copy (added again): hashed where it is, closed to others.
      const sha256 = await sha256File(real, options.signal ? { signal: options.signal } : {});
      await source.chmod(0o600);
      return { path: real, source: real, sha256, fingerprint: fingerprintOf(await source.stat()), reused: true };
    }
    try {
      target = await open(
        temp,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW,
        0o600,
      );
    } catch (error) {
      throw describeWriteError(error, dir);
    }
    let sha256: string;
    try {
      sha256 = await streamCopy(source, target, before.size, options);
      await target.datasync();
    } catch (error) {
      if (error instanceof GreffierError || (error as Error).name === 'AbortError') throw error;
      throw describeWriteError(error, dir);
    }
    const after = fingerprintOf(await source.stat());
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ctimeMs !== before.ctimeMs) {
      throw new GreffierError('model-changing', `${sourcePath} changed while it was being copied`, {
        hint: 'wait until the file has finished arriving, then add the model again',
      });
    }
    const ino = (await target.stat()).ino;
    await target.close();
    target = undefined;

    const ext = extname(real);
    const names = [basename(real), `${basename(real, ext)}-${sha256.slice(0, 12)}${ext}`];
    for (const name of names) {
      const final = join(dir, name);
      try {
        await link(temp, final);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw describeWriteError(error, dir);
        if ((await existingSha256(final, options.signal)) !== sha256) continue;
        await chmod(final, 0o600);
        const fingerprint = fingerprintOf(await lstat(final));
        return { path: final, source: real, sha256, fingerprint, reused: true };
      }
      await unlink(temp);
      // The name now holds the very inode written above; its fingerprint is taken after the link.
      const check = await open(final, constants.O_RDONLY | NOFOLLOW);
      try {
        const info = await check.stat();
        if (info.ino !== ino) {
          throw new GreffierError('model-copy', `the copy ${final} was replaced while it was made`, {
            hint: 'add the model again; if it happens again, check who else writes into the folder',
          });
        }
        return { path: final, source: real, sha256, fingerprint: fingerprintOf(info), reused: false };
      } finally {
        await check.close();
      }
    }
    throw new GreffierError(
      'model-copy',
      `${dir} already holds other files named ${names.join(' and ')}`,
      { hint: 'rename the model file, then add it again' },
    );
  } finally {
    await target?.close().catch(() => undefined);
    await source.close();
    await unlink(temp).catch(() => undefined);
  }
}
