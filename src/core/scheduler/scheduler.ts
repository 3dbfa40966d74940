import { GreffierError } from '../errors.js';

/**
 * The work that shares the machine's two cores, most urgent first: the live
 * transcript (its lag is what the clerk sees), the hearing of a spoken
 * question (whisper on its words: everything else about the question waits
 * for them), the question's model work (someone is waiting for the answer),
 * the final-quality pass (wanted a minute after stop), then the incremental
 * notes (wanted by the end of the meeting).
 */
export const PRIORITIES = ['live', 'hearing', 'question', 'final', 'notes'] as const;
export type Priority = (typeof PRIORITIES)[number];

const rank = (priority: Priority) => PRIORITIES.indexOf(priority);

/**
 * What pre-emption does to a task:
 * - 'pause': its engine processes are stopped where they are (SIGSTOP) and
 *   continued afterwards; its own code waits at its next checkpoint();
 * - 'restart': its attempt is aborted and run again from its own checkpoint
 *   once the urgent work is done.
 * It may depend on who pre-empts: a notes chunk in the one model host is
 * frozen for a live window (which only needs the cores) but gives the host
 * up to a question (which needs the host itself, so cannot wait for a
 * frozen one).
 */
export type Preemption = 'pause' | 'restart';
export type PreemptionRule = Preemption | ((by: Priority) => Preemption);

/** Something a task can freeze and thaw, typically its engine's process. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

export interface Task {
  readonly priority: Priority;
  /** Aborted when the caller cancels, or (restart) when this attempt is pre-empted. */
  readonly signal: AbortSignal;
  /** Which attempt this is (1, then 2… after each restart). */
  readonly attempt: number;
  /** Registers a process to freeze while the task is pre-empted; returns the unregister call. */
  hold(pausable: Pausable): () => void;
  /** Resolves at once when the task may run; while it is pre-empted, when it may again. */
  checkpoint(): Promise<void>;
}

export interface ScheduleOptions {
  /** Default 'pause'. */
  preemption?: PreemptionRule;
  /** The caller's own cancel. */
  signal?: AbortSignal;
  /** For figures and logs. */
  label?: string;
}

/** Time each priority spent running and pre-empted (ms): the duty cycle the bench prints. */
export interface SchedulerFigures {
  runningMs: Record<Priority, number>;
  preemptedMs: Record<Priority, number>;
  preemptions: Record<Priority, number>;
  restarts: Record<Priority, number>;
  completed: Record<Priority, number>;
}

interface Entry {
  priority: Priority;
  seq: number;
  rule: PreemptionRule;
  /** What the current pre-emption did (meaningful while 'preempted'). */
  preemption: Preemption;
  run: (task: Task) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  external?: AbortSignal;
  state: 'waiting' | 'running' | 'preempted';
  /** The attempt in flight, if any (a restarted attempt may still be unwinding). */
  inFlight?: Promise<void>;
  attemptAbort?: AbortController;
  attempts: number;
  pausables: Set<Pausable>;
  waiters: (() => void)[];
  since: number;
}

/** Pre-empted by more urgent work; the scheduler runs the attempt again later. */
class Preempted extends Error {
  constructor() {
    super('pre-empted by more urgent work');
  }
}

const zero = (): Record<Priority, number> => ({
  live: 0,
  hearing: 0,
  question: 0,
  final: 0,
  notes: 0,
});

/**
 * One scheduler for the engines of a two-core machine: one engine runs at a
 * time (each uses both cores), the most urgent first. A task arriving with a
 * higher priority takes the cores at once: the running one is paused (its
 * processes frozen) or aborted to be restarted, so the live transcript never
 * waits behind a final-quality window or a notes chunk. Work of the same
 * priority runs in arrival order.
 */
export class Scheduler {
  #seq = 0;
  #active: Entry | undefined;
  #queue: Entry[] = [];
  #figures: SchedulerFigures = {
    runningMs: zero(),
    preemptedMs: zero(),
    preemptions: zero(),
    restarts: zero(),
    completed: zero(),
  };
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? (() => performance.now());
  }

  /** Runs `work` when its priority allows; resolves with its result. */
  run<T>(
    priority: Priority,
    work: (task: Task) => Promise<T>,
    options: ScheduleOptions = {},
  ): Promise<T> {
    if (options.signal?.aborted) return Promise.reject(cancelled());
    return new Promise<T>((resolve, reject) => {
      // The caller's signal often serves many tasks (every window of a pass): the
      // listener goes as soon as this task settles, or they pile up on the signal.
      const onAbort = () => {
        const index = this.#queue.indexOf(entry);
        // Not started (or pre-empted and not running): leaves the queue at once.
        if (index >= 0 && !entry.inFlight) {
          this.#queue.splice(index, 1);
          entry.reject(cancelled());
        } else {
          entry.attemptAbort?.abort(cancelled());
          // A paused attempt must run on to notice its cancel.
          for (const p of entry.pausables) safe(() => p.resume());
          this.#release(entry);
        }
      };
      const settled = () => options.signal?.removeEventListener('abort', onAbort);
      const entry: Entry = {
        priority,
        seq: this.#seq++,
        rule: options.preemption ?? 'pause',
        preemption: 'pause',
        run: work,
        resolve: (value) => {
          settled();
          resolve(value as T);
        },
        reject: (error) => {
          settled();
          reject(error);
        },
        ...(options.signal ? { external: options.signal } : {}),
        state: 'waiting',
        attempts: 0,
        pausables: new Set(),
        waiters: [],
        since: this.#now(),
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#submit(entry);
    });
  }

  /** What is running now (tests, the bench). */
  get running(): Priority | undefined {
    return this.#active?.priority;
  }

  /** Tasks waiting or pre-empted, per priority. */
  waiting(priority?: Priority): number {
    return this.#queue.filter((e) => !priority || e.priority === priority).length;
  }

  figures(): SchedulerFigures {
    const copy = structuredClone(this.#figures);
    // Time of the task in progress counts too.
    const now = this.#now();
    if (this.#active) copy.runningMs[this.#active.priority] += now - this.#active.since;
    for (const e of this.#queue) {
      if (e.state === 'preempted') copy.preemptedMs[e.priority] += now - e.since;
    }
    return copy;
  }

  #submit(entry: Entry): void {
    const active = this.#active;
    if (!active) return this.#start(entry);
    if (rank(entry.priority) < rank(active.priority)) {
      this.#preempt(active, entry.priority);
      return this.#start(entry);
    }
    this.#enqueue(entry);
  }

  #enqueue(entry: Entry): void {
    this.#queue.push(entry);
    this.#queue.sort((a, b) => rank(a.priority) - rank(b.priority) || a.seq - b.seq);
  }

  #preempt(entry: Entry, by: Priority): void {
    this.#account(entry);
    entry.state = 'preempted';
    this.#figures.preemptions[entry.priority]++;
    entry.preemption = modeOf(entry.rule, by);
    if (entry.preemption === 'restart') this.#abortAttempt(entry);
    else for (const p of entry.pausables) safe(() => p.pause());
    this.#active = undefined;
    this.#enqueue(entry);
  }

  #abortAttempt(entry: Entry): void {
    entry.attemptAbort?.abort(new Preempted());
    for (const wake of entry.waiters.splice(0)) wake();
    this.#figures.restarts[entry.priority]++;
  }

  /**
   * A task frozen for one pre-empter may have to give way differently to the
   * next: notes frozen for a live window are restarted when a question comes
   * next, thawed first so their process can take the cancel (a frozen host
   * would never run the question).
   */
  #yieldTo(starting: Entry): void {
    for (const e of this.#queue) {
      if (e.state !== 'preempted' || e.preemption !== 'pause' || !e.inFlight) continue;
      if (modeOf(e.rule, starting.priority) !== 'restart') continue;
      e.preemption = 'restart';
      for (const p of e.pausables) safe(() => p.resume());
      this.#abortAttempt(e);
    }
  }

  #account(entry: Entry): void {
    const now = this.#now();
    const spent = now - entry.since;
    if (entry.state === 'running') this.#figures.runningMs[entry.priority] += spent;
    if (entry.state === 'preempted') this.#figures.preemptedMs[entry.priority] += spent;
    entry.since = now;
  }

  #start(entry: Entry): void {
    this.#account(entry);
    entry.state = 'running';
    this.#active = entry;
    this.#yieldTo(entry);
    if (entry.inFlight && entry.preemption === 'pause') {
      // A paused attempt: thaw its processes and let its code past the checkpoint.
      for (const p of entry.pausables) safe(() => p.resume());
      for (const wake of entry.waiters.splice(0)) wake();
      return;
    }
    if (entry.inFlight) {
      // A restarted attempt still unwinding: the next one starts when it has.
      void entry.inFlight.then(() => {
        if (this.#active === entry && !entry.inFlight) this.#attempt(entry);
      });
      return;
    }
    this.#attempt(entry);
  }

  #attempt(entry: Entry): void {
    const abort = new AbortController();
    entry.attemptAbort = abort;
    entry.attempts++;
    const task: Task = {
      priority: entry.priority,
      signal: abort.signal,
      attempt: entry.attempts,
      hold: (pausable) => {
        entry.pausables.add(pausable);
        // Registered while paused: frozen at once.
        if (entry.state === 'preempted' && entry.preemption === 'pause')
          safe(() => pausable.pause());
        return () => entry.pausables.delete(pausable);
      },
      checkpoint: async () => {
        // A restarted attempt stops at its checkpoint; a paused one waits there for its turn.
        while (entry.state === 'preempted' && !abort.signal.aborted) {
          await new Promise<void>((wake) => entry.waiters.push(wake));
        }
        if (abort.signal.aborted) throw abort.signal.reason;
      },
    };
    const flight = (async () => {
      try {
        // A task that starts pre-empted (possible after a restart) waits for its turn.
        const value = await entry.run(task);
        entry.inFlight = undefined;
        this.#thaw(entry);
        this.#finish(entry);
        entry.resolve(value);
      } catch (error) {
        entry.inFlight = undefined;
        this.#thaw(entry);
        if (abort.signal.reason instanceof Preempted && !entry.external?.aborted) {
          // Runs again when its turn comes back (it may already have).
          if (this.#active === entry) this.#attempt(entry);
          return;
        }
        this.#finish(entry);
        entry.reject(entry.external?.aborted ? cancelled() : error);
      }
    })();
    entry.inFlight = flight;
  }

  /**
   * An attempt has settled: what it held is thawed and let go. Work can end
   * while pre-empted (its engine's answer was on the way when the freeze
   * went out), and a process left frozen would never answer the next job.
   */
  #thaw(entry: Entry): void {
    if (entry.state === 'preempted' && entry.preemption === 'pause')
      for (const p of entry.pausables) safe(() => p.resume());
    entry.pausables.clear();
  }

  /** The entry is done (or cancelled): it leaves, and the next one runs. */
  #finish(entry: Entry): void {
    if (entry.state !== 'waiting') {
      this.#account(entry);
      if (!entry.external?.aborted) this.#figures.completed[entry.priority]++;
    }
    entry.state = 'waiting';
    this.#release(entry);
  }

  #release(entry: Entry): void {
    const index = this.#queue.indexOf(entry);
    if (index >= 0) this.#queue.splice(index, 1);
    for (const wake of entry.waiters.splice(0)) wake();
    if (this.#active !== entry) return;
    entry.state = 'waiting';
    this.#active = undefined;
    const next = this.#queue.shift();
    if (next) this.#start(next);
  }
}

function modeOf(rule: PreemptionRule, by: Priority): Preemption {
  return typeof rule === 'function' ? rule(by) : rule;
}

function cancelled(): GreffierError {
  return new GreffierError('cancelled', 'The work was cancelled');
}

function safe(action: () => void): void {
  try {
    action();
  } catch {
    // A process that already exited cannot be paused or resumed: nothing to do.
  }
}

/**
 * A child process as something to pause: SIGSTOP freezes it where it is
 * (no work lost, its memory kept), SIGCONT lets it go on. Windows has no
 * such signals: there the task's preemption should be 'restart'.
 */
export function pausableProcess(child: { kill(signal: NodeJS.Signals): boolean }): Pausable {
  return {
    pause: () => {
      if (process.platform !== 'win32') child.kill('SIGSTOP');
    },
    resume: () => {
      if (process.platform !== 'win32') child.kill('SIGCONT');
    },
  };
}

/** Whether pausing a process is possible here (else work is restarted at a checkpoint). */
export const CAN_PAUSE_PROCESSES = process.platform !== 'win32';
