import { spawn } from 'node:child_process';
import { CAN_PAUSE_PROCESSES } from './scheduler.js';

/**
 * A process we may freeze (SIGSTOP) must not outlive us frozen. If the app
 * dies while the model host is stopped (killed, crashed, power button), the
 * host cannot notice its parent is gone (a stopped process runs no code,
 * not even Electron's own check of its parent) and would stay in memory,
 * holding gigabytes, until the next reboot. A tiny watcher, not frozen with
 * it, thaws and kills it then. The whisper hosts do this themselves
 * (PR_SET_PDEATHSIG in native/whisper-host); a Node or Electron process
 * cannot.
 *
 * The watcher is a shell loop (one check a second) that ends with either
 * process, so it costs nothing while both run. Windows has no SIGSTOP: there
 * nothing is ever frozen, and nothing is started.
 */
export function killIfOrphanedWhileFrozen(pid: number | undefined): void {
  if (!pid || !CAN_PAUSE_PROCESSES) return;
  const parent = process.pid;
  const script = [
    `while kill -0 ${parent} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done`,
    `kill -0 ${parent} 2>/dev/null || { kill -CONT ${pid}; kill -KILL ${pid}; } 2>/dev/null`,
  ].join('\n');
  try {
    const watcher = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
    watcher.on('error', () => undefined); // no shell: the host is still killed by a normal close
    watcher.unref();
  } catch {
    // Same: a watcher is a safety net for an abnormal end, never a reason to fail.
  }
}
