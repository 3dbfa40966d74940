import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { getEventListeners, once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { pausableProcess, Scheduler, type Priority } from '../../src/core/scheduler/index.js';

/** A promise the test settles by hand: work that ends when the test says so. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/**
 * A real process that answers each line on its standard input with a count:
 * frozen, it cannot answer; thawed, it answers what was asked meanwhile.
 */
async function counter(): Promise<{ child: ChildProcess; ask(): Promise<string> }> {
  const child = spawn(
    process.execPath,
    ['-e', "let n=0;process.stdin.on('data',()=>process.stdout.write(String(++n)+'\\n'))"],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  );
  children.push(child);
  await once(child, 'spawn');
  const answers: ((line: string) => void)[] = [];
  child.stdout!.on('data', (data: Buffer) => {
    for (const line of data.toString().trim().split('\n')) answers.shift()?.(line);
  });
  return {
    child,
    ask: () =>
      new Promise<string>((resolve) => {
        answers.push(resolve);
        child.stdin!.write('x\n');
      }),
  };
}

/** Linux's process state letter: T when stopped. */
function stateOf(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0]!;
}

async function until(check: () => boolean): Promise<void> {
  // Yields to the event loop (no timer): the kernel delivers signals between turns.
  while (!check()) await new Promise((done) => setImmediate(done));
}

describe('scheduler', () => {
  it('runs the most urgent waiting work first, same priority in arrival order', async () => {
    const scheduler = new Scheduler();
    const order: string[] = [];
    const gate = deferred();
    const first = scheduler.run('final', async () => {
      order.push('final-1');
      await gate.promise;
    });
    const jobs: [Priority, string][] = [
      ['notes', 'notes-1'],
      ['final', 'final-2'],
      ['notes', 'notes-2'],
      ['final', 'final-3'],
    ];
    const rest = jobs.map(([priority, name]) =>
      scheduler.run(priority, async () => void order.push(name)),
    );
    expect(scheduler.waiting()).toBe(4);
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(order).toEqual(['final-1', 'final-2', 'final-3', 'notes-1', 'notes-2']);
  });

  it('freezes a final-quality process while live work runs, then lets it finish', async () => {
    const scheduler = new Scheduler();
    const engine = await counter();
    const started = deferred();
    const allowEnd = deferred();
    const final = scheduler.run('final', async (task) => {
      task.hold(pausableProcess(engine.child));
      started.resolve();
      await engine.ask();
      await allowEnd.promise;
      await task.checkpoint();
      return engine.ask();
    });
    await started.promise;
    let liveSawFrozen = '';
    const live = scheduler.run('live', async () => {
      // The live run starts only once the background engine is frozen.
      await until(() => stateOf(engine.child.pid!) === 'T');
      liveSawFrozen = stateOf(engine.child.pid!);
      return 'live lines';
    });
    expect(scheduler.running).toBe('live');
    await expect(live).resolves.toBe('live lines');
    expect(liveSawFrozen).toBe('T');
    allowEnd.resolve();
    await expect(final).resolves.toBe('2');
    expect(stateOf(engine.child.pid!)).not.toBe('T');
    const figures = scheduler.figures();
    expect(figures.preemptions.final).toBe(1);
    expect(figures.completed).toMatchObject({ live: 1, final: 1 });
  });

  it('work that ends just as it is frozen leaves its process thawed (its result was already on the way)', async () => {
    const scheduler = new Scheduler();
    const engine = await counter();
    const started = deferred();
    const result = deferred<string>();
    // The engine's answer arrives after the freeze was sent: the work ends while pre-empted.
    const notes = scheduler.run('notes', async (task) => {
      task.hold(pausableProcess(engine.child));
      started.resolve();
      return result.promise;
    });
    await started.promise;
    const live = scheduler.run('live', async () => {
      await until(() => stateOf(engine.child.pid!) === 'T');
      result.resolve('notes written');
      await expect(notes).resolves.toBe('notes written');
      return 'live lines';
    });
    await expect(live).resolves.toBe('live lines');
    // Before: frozen for good, and the next job sent to it never answered.
    await until(() => stateOf(engine.child.pid!) !== 'T');
    await expect(engine.ask()).resolves.toBe('1');
  });

  it('holds paused work at its checkpoint until the urgent work is done', async () => {
    const scheduler = new Scheduler();
    const steps: string[] = [];
    const windowDone = deferred();
    const questionGate = deferred();
    const final = scheduler.run('final', async (task) => {
      for (let window = 1; window <= 3; window++) {
        await task.checkpoint();
        steps.push(`window ${window}`);
        if (window === 1) await windowDone.promise;
      }
    });
    // Window 1 is under way; a spoken question arrives.
    await until(() => steps.includes('window 1'));
    const question = scheduler.run('question', async () => {
      steps.push('question starts');
      await questionGate.promise;
      steps.push('question ends');
    });
    windowDone.resolve();
    // The final pass reaches its checkpoint and must wait there.
    await until(() => steps.includes('question starts'));
    for (let i = 0; i < 5; i++) await new Promise((done) => setImmediate(done));
    expect(steps).toEqual(['window 1', 'question starts']);
    questionGate.resolve();
    await Promise.all([final, question]);
    expect(steps).toEqual(['window 1', 'question starts', 'question ends', 'window 2', 'window 3']);
  });

  it('aborts a notes chunk for a question and runs it again afterwards', async () => {
    const scheduler = new Scheduler();
    const attempts: number[] = [];
    const chunkStarted = deferred();
    const notes = scheduler.run(
      'notes',
      async (task) => {
        attempts.push(task.attempt);
        if (task.attempt === 1) chunkStarted.resolve();
        // A model call that ends only when aborted, the first time.
        if (task.attempt === 1) {
          await new Promise((_, fail) =>
            task.signal.addEventListener('abort', () => fail(new Error('aborted')), {
              once: true,
            }),
          );
        }
        return `notes after ${task.attempt} attempts`;
      },
      { preemption: 'restart' },
    );
    await chunkStarted.promise;
    const question = scheduler.run('question', async () => 'answer');
    expect(scheduler.running).toBe('question');
    await expect(question).resolves.toBe('answer');
    await expect(notes).resolves.toBe('notes after 2 attempts');
    expect(attempts).toEqual([1, 2]);
    expect(scheduler.figures().restarts.notes).toBe(1);
  });

  it('notes pre-empted by live are frozen where they are (no restart); by a question, restarted', async () => {
    // A live window needs only the cores: the notes' model host is frozen and goes on
    // afterwards. A question needs that host itself: the notes chunk gives it up.
    const scheduler = new Scheduler();
    const engine = await counter();
    const attempts: number[] = [];
    const started = deferred();
    const allowEnd = deferred();
    const notes = scheduler.run(
      'notes',
      async (task) => {
        attempts.push(task.attempt);
        task.hold(pausableProcess(engine.child));
        started.resolve();
        if (task.attempt === 1) {
          await Promise.race([
            allowEnd.promise,
            new Promise((_, fail) =>
              task.signal.addEventListener('abort', () => fail(task.signal.reason), {
                once: true,
              }),
            ),
          ]);
        }
        return engine.ask();
      },
      { preemption: (by) => (by === 'question' ? 'restart' : 'pause') },
    );
    await started.promise;
    let liveSaw = '';
    await scheduler.run('live', async () => {
      await until(() => stateOf(engine.child.pid!) === 'T' || attempts.length > 1);
      liveSaw = stateOf(engine.child.pid!);
    });
    expect(liveSaw).toBe('T');
    expect(scheduler.figures().restarts.notes).toBe(0);
    await until(() => stateOf(engine.child.pid!) !== 'T');
    allowEnd.resolve();
    await expect(notes).resolves.toBe('1');
    expect(attempts).toEqual([1]);

    // Now a question: the chunk is aborted and run again once the question is done.
    const second = deferred();
    const again = scheduler.run(
      'notes',
      async (task) => {
        attempts.push(task.attempt);
        if (task.attempt === 1) {
          second.resolve();
          await new Promise((_, fail) =>
            task.signal.addEventListener('abort', () => fail(task.signal.reason), { once: true }),
          );
        }
        return task.attempt;
      },
      { preemption: (by) => (by === 'question' ? 'restart' : 'pause') },
    );
    await second.promise;
    await scheduler.run('question', async () => 'answer');
    await expect(again).resolves.toBe(2);
    expect(scheduler.figures().restarts.notes).toBe(1);
  });

  it('notes frozen for live are restarted (and thawed) when a question comes next', async () => {
    // A question that arrives during the live window runs after it; it needs the
    // model host, so the frozen notes chunk is thawed and cancelled, never left frozen.
    const scheduler = new Scheduler();
    const engine = await counter();
    const attempts: number[] = [];
    const started = deferred();
    const notes = scheduler.run(
      'notes',
      async (task) => {
        attempts.push(task.attempt);
        const release = task.hold(pausableProcess(engine.child));
        started.resolve();
        try {
          if (task.attempt === 1) {
            await new Promise((_, fail) =>
              task.signal.addEventListener('abort', () => fail(task.signal.reason), {
                once: true,
              }),
            );
          }
          return await engine.ask();
        } finally {
          release();
        }
      },
      { preemption: (by) => (by === 'question' ? 'restart' : 'pause') },
    );
    await started.promise;
    const order: string[] = [];
    let question: Promise<string> | undefined;
    await scheduler.run('live', async () => {
      await until(() => stateOf(engine.child.pid!) === 'T');
      question = scheduler.run('question', async () => {
        // The engine answers: it is not frozen any more.
        order.push(`question sees ${stateOf(engine.child.pid!)}`);
        return engine.ask();
      });
      order.push('live');
    });
    await expect(question!).resolves.toBe('1');
    await expect(notes).resolves.toBe('2');
    expect(order[0]).toBe('live');
    expect(attempts).toEqual([1, 2]);
    expect(scheduler.figures().restarts.notes).toBe(1);
  });

  it('a question never waits behind notes or the final pass; live never waits behind a question', async () => {
    const scheduler = new Scheduler();
    const seen: (Priority | undefined)[] = [];
    const hold = deferred();
    const background = [
      scheduler.run('notes', () => hold.promise, { preemption: 'restart' }),
      scheduler.run('final', () => hold.promise),
    ];
    const question = scheduler.run('question', async () => {
      seen.push(scheduler.running);
      const live = scheduler.run('live', async () => void seen.push(scheduler.running));
      seen.push(scheduler.running);
      await live;
    });
    await question;
    expect(seen).toEqual(['question', 'live', 'live']);
    hold.resolve();
    await Promise.all(background);
  });

  it('a cancelled task leaves the queue with a clear error and the next one runs', async () => {
    const scheduler = new Scheduler();
    const gate = deferred();
    const running = scheduler.run('final', () => gate.promise);
    const cancel = new AbortController();
    const queued = scheduler.run('notes', async () => 'never', { signal: cancel.signal });
    const after = scheduler.run('notes', async () => 'ran');
    cancel.abort();
    await expect(queued).rejects.toMatchObject({ code: 'cancelled' });
    gate.resolve();
    await running;
    await expect(after).resolves.toBe('ran');
  });

  it('a failing task rejects with its own error and frees the cores', async () => {
    const scheduler = new Scheduler();
    await expect(
      scheduler.run('final', async () => {
        throw new Error('engine failed');
      }),
    ).rejects.toThrow('engine failed');
    await expect(scheduler.run('notes', async () => 'next')).resolves.toBe('next');
    expect(scheduler.running).toBeUndefined();
  });

  it('a caller signal shared by many tasks keeps no listener once each task is done', async () => {
    // The final pass hands every window the same signal: a listener left per window
    // grew to MaxListenersExceededWarning on an hour's meeting.
    const scheduler = new Scheduler();
    const cancel = new AbortController();
    for (let i = 0; i < 20; i++) {
      await scheduler.run('final', async () => i, { signal: cancel.signal });
    }
    await expect(
      scheduler.run('final', async () => Promise.reject(new Error('engine failed')), {
        signal: cancel.signal,
      }),
    ).rejects.toThrow('engine failed');
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(0);
    // While a task runs its listener is there: a cancel still reaches it.
    const running = scheduler.run(
      'final',
      (task) =>
        new Promise((_, fail) =>
          task.signal.addEventListener('abort', () => fail(task.signal.reason), { once: true }),
        ),
      { signal: cancel.signal },
    );
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(1);
    cancel.abort();
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(0);
  });
});
