import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function ownerAlive(lockDir: string): boolean {
  try {
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A cross-process lock made of a folder (mkdir is atomic), so that parallel
 * test files or two terminals never build the engine twice at once. A lock
 * whose owner died is taken over.
 */
export async function withFolderLock<T>(
  lockDir: string,
  work: () => Promise<T>,
  options: { signal?: AbortSignal; onWait?: () => void } = {},
): Promise<T> {
  let waited = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // The pid file is written right after mkdir: give the owner a moment before judging it dead.
      await sleep(250);
      let stale: boolean;
      try {
        readFileSync(join(lockDir, 'pid'));
        stale = !ownerAlive(lockDir);
      } catch {
        // No pid file long after mkdir: its owner died in between.
        try {
          stale = Date.now() - statSync(lockDir).mtimeMs > 10_000;
        } catch {
          stale = false;
        }
      }
      if (stale) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!waited) options.onWait?.();
      waited = true;
      await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
