import { existsSync, readdirSync, readlinkSync } from 'node:fs';

/** Why descriptors cannot be counted here (Linux's /proc/self/fd), or undefined. */
export const noProcFds = existsSync('/proc/self/fd')
  ? undefined
  : 'no /proc/self/fd on this system';

/** Paths this process holds open under `prefix` (a file, or a folder and what is in it). */
export function openUnder(prefix: string): string[] {
  const paths: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target === prefix || target.startsWith(`${prefix}/`)) paths.push(target);
    } catch {
      // Closed between the listing and the read (the listing's own descriptor, a worker's).
    }
  }
  return paths;
}
