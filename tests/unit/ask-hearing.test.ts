import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HeldQuestionAsk, hearingFirst } from '../../src/core/answers/held-ask.js';
import { SearchIndex } from '../../src/core/search/index.js';
import type { Hear } from '../../src/core/answers/listen.js';
import { ModelHost, type HostTransport } from '../../src/core/llm/host.js';
import { Scheduler } from '../../src/core/scheduler/index.js';

/**
 * A question's hearing comes first: while whisper hears it, the model host
 * process is frozen (it would otherwise read passages on the same two cores,
 * even inside a prompt's evaluation no cancel can interrupt).
 */

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Linux's process state letter: T when stopped. */
function stateOf(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0]!;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((done) => setImmediate(done));
}

/** A model host whose process is a real one that never answers (only its state is looked at). */
async function hostWithProcess(scheduler?: Scheduler) {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
  });
  children.push(child);
  await once(child, 'spawn');
  const transport: HostTransport = {
    pid: child.pid,
    send: () => undefined,
    onMessage: () => undefined,
    onExit: () => undefined,
    kill: () => child.kill('SIGKILL'),
  };
  const host = new ModelHost({ launcher: () => transport, ...(scheduler ? { scheduler } : {}) });
  // A job that never ends starts the process, as a question's reading would.
  const reading = host.preload(
    { model: { path: fileURLToPath(import.meta.url), threads: 1 }, system: 's', prompt: 'p' },
    scheduler ? { priority: 'question' } : {},
  );
  reading.catch(() => undefined);
  await until(() => host.pid !== undefined);
  return { host, pid: child.pid! };
}

const hearing =
  (pid: number, seen: string[]): Hear =>
  async () => {
    await until(() => stateOf(pid) === 'T');
    seen.push(stateOf(pid));
    return { text: 'combien de voix', language: 'fr' };
  };

describe("a spoken question's hearing", () => {
  it('freezes the model host while whisper hears, under the scheduler, then lets it go on', async () => {
    const scheduler = new Scheduler();
    const { host, pid } = await hostWithProcess(scheduler);
    expect(scheduler.running).toBe('question');
    const seen: string[] = [];
    const heard = await hearingFirst(host, hearing(pid, seen))(new Int16Array(16), {
      language: 'fr',
      audioContext: 64,
    });
    expect(heard.text).toBe('combien de voix');
    expect(seen).toEqual(['T']);
    await until(() => stateOf(pid) !== 'T');
    // The question's reading was pre-empted for the hearing and runs again.
    expect(scheduler.figures()).toMatchObject({
      completed: { hearing: 1 },
      preemptions: { question: 1 },
    });
    expect(scheduler.running).toBe('question');
    expect(host.frozenMs).toBeGreaterThan(0);
    await host.close();
  });

  it('freezes it without a scheduler too (the CLI), and one thaw never undoes another freeze', async () => {
    const { host, pid } = await hostWithProcess();
    const seen: string[] = [];
    const hear = hearingFirst(host, hearing(pid, seen));
    const options = { language: 'fr' as const, audioContext: 64 };
    // Two hearings overlap: the host goes on only when both are done.
    let second!: Promise<unknown>;
    await host.whileFrozen(async () => {
      second = hear(new Int16Array(16), options);
      await hear(new Int16Array(16), options);
      expect(stateOf(pid)).toBe('T');
    });
    await second;
    expect(seen).toEqual(['T', 'T']);
    await until(() => stateOf(pid) !== 'T');
    await host.close();
  });

  it('key down starts whisper on a fifth of a second of silence, before any word (its model loaded meanwhile)', async () => {
    const { host } = await hostWithProcess();
    const heard: number[] = [];
    const ask = new HeldQuestionAsk(
      'fr',
      {
        host,
        sources: async () => ({
          index: new SearchIndex(),
          lookup: () => undefined,
          meetings: [],
          model: { path: fileURLToPath(import.meta.url), threads: 1 },
        }),
      },
      {
        hear: async (pcm) => {
          heard.push(pcm.length);
          return { text: '' };
        },
      },
    );
    await until(() => heard.length > 0);
    expect(heard).toEqual([3200]);
    expect(ask.whisperRuns).toBe(0);
    ask.cancel();
    await host.close();
  });
});
