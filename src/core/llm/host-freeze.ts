import {
  CAN_PAUSE_PROCESSES,
  killIfOrphanedWhileFrozen,
  type Pausable,
} from '../scheduler/index.js';

/**
 * The model host process's freezes (SIGSTOP, then SIGCONT where it was):
 * another engine gets both cores at once, even while the host is inside a
 * prompt's evaluation that no cancel can interrupt, and nothing it had read
 * is lost. Holders are counted: the process goes on only when the last one
 * lets go (the scheduler pausing a question for a live window and a hearing
 * both freeze it; neither thaws it alone).
 */
export class HostFreeze {
  /** Holders that want the host process frozen now. */
  private holders = 0;
  private pid: number | undefined;
  private since = 0;
  private spentMs = 0;
  /** The host process whose watcher runs (one per process: a restart starts another). */
  private guarded: number | undefined;

  /** `hostPid`: the running host process, if any. */
  constructor(private readonly hostPid: () => number | undefined) {}

  /** Time spent frozen so far, ms, a freeze under way included (the bench prints it). */
  get frozenMs(): number {
    return this.spentMs + (this.holders > 0 ? performance.now() - this.since : 0);
  }

  /** One holder's freeze; each handle pauses and resumes at most once in turn. */
  holder(): Pausable {
    let paused = false;
    return {
      pause: () => {
        if (paused) return;
        paused = true;
        if (this.holders++ > 0) return;
        this.since = performance.now();
        this.stop(this.hostPid());
      },
      resume: () => {
        if (!paused) return;
        paused = false;
        if (--this.holders > 0) return;
        this.spentMs += performance.now() - this.since;
        signal(this.pid, 'SIGCONT');
        this.pid = undefined;
      },
    };
  }

  /** A host process just started: frozen at once when a holder wants it so. */
  started(pid: number | undefined): void {
    if (this.holders > 0 && this.pid === undefined) this.stop(pid);
  }

  private stop(pid: number | undefined): void {
    this.pid = pid;
    // The first freeze of a process starts its watcher (see killIfOrphanedWhileFrozen).
    if (pid !== undefined && this.guarded !== pid) {
      this.guarded = pid;
      killIfOrphanedWhileFrozen(pid);
    }
    signal(pid, 'SIGSTOP');
  }
}

function signal(pid: number | undefined, name: 'SIGSTOP' | 'SIGCONT'): void {
  if (!pid || !CAN_PAUSE_PROCESSES) return;
  try {
    process.kill(pid, name);
  } catch {
    // Already gone: a crashed host is replaced on the next request.
  }
}
