import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { projectRoot } from '../../src/core/paths.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ModelHost } from '../../src/core/llm/host.js';
import { Scheduler } from '../../src/core/scheduler/index.js';
import type { ModelRef } from '../../src/core/llm/protocol.js';
import { testModels } from '../helpers/models.js';
import { defaultThreads } from '../../src/core/threads.js';

// Generation on 2 shared cores can take minutes when other jobs run beside it.
vi.setConfig({ testTimeout: 300_000 });

let model: ModelRef;
const host = new ModelHost({ idleUnloadMs: 0 });

beforeAll(async () => {
  const models = await testModels();
  model = { path: models.llm, threads: defaultThreads(), contextSize: 1024 };
});

afterAll(() => host.close());

const SCHEMA = {
  type: 'object',
  properties: { title: { type: 'string', maxLength: 40 } },
  required: ['title'],
} as const;

describe('model host', () => {
  it('loads the model in its own process and reports its context', async () => {
    const info = await host.info(model);
    expect(info.contextSize).toBe(1024);
    expect(info.trainContextSize).toBeGreaterThan(0);
    expect(host.pid).toBeGreaterThan(0);
    expect(host.pid).not.toBe(process.pid);
  });

  it('counts tokens with the model tokenizer', async () => {
    const [short, long] = await host.count(model, ['budget', 'budget '.repeat(50)]);
    expect(short).toBeGreaterThan(0);
    expect(long).toBeGreaterThan(short! * 10);
  });

  it('streams tokens and returns schema-valid JSON', async () => {
    const tokens: string[] = [];
    const result = await host.generate(
      { model, system: 'Reply in JSON.', prompt: 'Title?', schema: SCHEMA, maxTokens: 80 },
      { onToken: (t) => tokens.push(t) },
    );
    expect(tokens.join('')).toBe(result.text);
    const parsed = JSON.parse(result.text) as { title: string };
    expect(typeof parsed.title).toBe('string');
    expect(result.outputTokens).toBeGreaterThan(0);
  });

  it('runs one job at a time, in order', async () => {
    const events: string[] = [];
    await Promise.all(
      [1, 2, 3].map((n) => {
        let started = false;
        return host
          .generate(
            { model, system: 's', prompt: `p${n}`, maxTokens: 6 },
            {
              onToken: () => {
                if (!started) events.push(`start ${n}`);
                started = true;
              },
            },
          )
          .then(() => events.push(`end ${n}`));
      }),
    );
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it("a count goes beside a running job once the model is loaded (a question's passages never wait for a notes piece)", async () => {
    await host.count(model, ['chargé']);
    const events: string[] = [];
    const long = host
      .generate(
        { model, system: 's', prompt: 'budget '.repeat(300), maxTokens: 40 },
        { onToken: () => events.length === 0 && events.push('first token') },
      )
      .then(() => events.push('generated'));
    const [count] = await host.count(model, ['budget primitif']);
    events.push('counted');
    await long;
    expect(count).toBeGreaterThan(0);
    // Before: the count waited for the whole generation, prompt and tokens.
    expect(events[0]).toBe('counted');
    // A model not loaded yet is never loaded beside a job: that count waits its turn.
    const other = { ...model, contextSize: 512 };
    const order: string[] = [];
    const running = host
      .generate({ model, system: 's', prompt: 'p', maxTokens: 4 })
      .then(() => order.push('generated'));
    await host.count(other, ['budget']).then(() => order.push('counted'));
    await running;
    expect(order).toEqual(['generated', 'counted']);
    // Nor the model a job sent since has made the host drop (it would be unloaded under that job).
    const dropped: string[] = [];
    await host.count(model, ['budget']);
    let counted: Promise<unknown> = Promise.resolve();
    await host.generate(
      { model: other, system: 's', prompt: 'p', maxTokens: 4 },
      {
        // Sent while the host holds the other model: it must wait, not unload it mid-job.
        onToken: () => {
          if (dropped.length > 0) return;
          dropped.push('writing');
          counted = host.count(model, ['budget']).then(() => dropped.push('counted'));
        },
      },
    );
    dropped.push('generated');
    await counted;
    expect(dropped).toEqual(['writing', 'generated', 'counted']);
  });

  it('a held question keeps the host: the notes give way once, not before each of its jobs', async () => {
    const scheduler = new Scheduler();
    const meetingHost = new ModelHost({ idleUnloadMs: 0, scheduler });
    try {
      await meetingHost.info(model);
      const notesJob = {
        model,
        system: 'notes',
        prompt: Array.from({ length: 40 }, (_, i) => `Ligne ${i} : le point ${i}.`).join('\n'),
        maxTokens: 200,
      };
      let writing!: () => void;
      const wrote = new Promise<void>((resolve) => (writing = resolve));
      const notes = meetingHost.generate(notesJob, { priority: 'notes', onToken: () => writing() });
      await wrote;
      let answered!: () => void;
      meetingHost.reserve('question', new Promise<void>((resolve) => (answered = resolve)));
      // The question's reading, job after job (as the preload reads piece after piece).
      for (const end of [1, 2, 3]) {
        await meetingHost.preload(
          { model, lane: 'question', system: 'q', prompt: `passage ${end}` },
          { priority: 'question' },
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Before: restarted once per job (the notes came back between two of them).
      expect(scheduler.figures().restarts.notes).toBe(1);
      expect(scheduler.running).toBe('question');
      answered();
      const done = await notes;
      expect(done.outputTokens).toBeGreaterThan(0);
    } finally {
      await meetingHost.close();
    }
  });

  it('embeds texts with the same model file', async () => {
    const vectors = await host.embed({ path: model.path, threads: defaultThreads() }, [
      'budget',
      'cantine',
    ]);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]!.length).toBeGreaterThan(0);
    expect(vectors[1]!.length).toBe(vectors[0]!.length);
    expect(vectors[0]).not.toEqual(vectors[1]);
  });

  it('cancels a running generation', async () => {
    const controller = new AbortController();
    const job = host.generate(
      { model, system: 's', prompt: 'write a lot', maxTokens: 500 },
      { signal: controller.signal, onToken: () => controller.abort() },
    );
    await expect(job).rejects.toMatchObject({ code: 'cancelled' });
    // The host is still usable afterwards.
    const after = await host.generate({ model, system: 's', prompt: 'again', maxTokens: 3 });
    expect(after.outputTokens).toBeGreaterThan(0);
  });

  it('a notes prompt read piece by piece (so a cancel stops it) gives the same answer as read at once', async () => {
    const prompt = Array.from(
      { length: 24 },
      (_, i) =>
        `Ligne ${i} : le conseil municipal examine le point numéro ${i} de l’ordre du jour.`,
    ).join('\n');
    const job = { model, system: 'notes', prompt, schema: SCHEMA, maxTokens: 20, seed: 1 };
    const notes = await host.generate({ ...job, lane: 'background' });
    const question = await host.generate({ ...job, lane: 'question' });
    expect(notes.text).toBe(question.text);
    // The pieces were read before the answer: the prompt was not read twice.
    expect(notes.inputTokens).toBeLessThanOrEqual(question.inputTokens + 8);
  });

  it('a preload of what the lane read already keeps what it read after it', async () => {
    // A follow-up's key down preloads the instructions; the lane holds them and the
    // turn before's passages after them: those must not be thrown away and read again.
    const system = 'Réponds.';
    const opening = 'Passages :\n';
    const passages = Array.from(
      { length: 12 },
      (_, i) => `Passage ${i} : le conseil vote le point ${i} du budget primitif.`,
    ).join('\n');
    const first = `${opening}${passages}\nQuestion : combien ?`;
    await host.generate({ model, system, prompt: first, maxTokens: 2, lane: 'question' });
    const again = await host.preload({ model, system, prompt: opening, lane: 'question' });
    const follow = `${opening}${passages}\nQuestion : et qui ?`;
    const [whole, common] = await host.count(model, [follow, `${opening}${passages}`]);
    const answer = await host.generate({
      model,
      system,
      prompt: follow,
      maxTokens: 2,
      lane: 'question',
    });
    // Only the new question line is read (plus the chat template's few tokens around it).
    expect(answer.inputTokens).toBeLessThan(whole! - common! + 24);
    expect(again.inputTokens).toBe(0);
  });

  it('a live window freezes a running notes chunk where it is, instead of waiting for its piece; it goes on afterwards', async () => {
    const scheduler = new Scheduler();
    const meetingHost = new ModelHost({ idleUnloadMs: 0, scheduler });
    try {
      await meetingHost.info(model);
      const job = {
        model,
        system: 'notes',
        prompt: Array.from(
          { length: 30 },
          (_, i) => `Ligne ${i} : le conseil examine le point ${i}.`,
        ).join('\n'),
        schema: SCHEMA,
        maxTokens: 12,
        seed: 1,
      };
      const alone = await meetingHost.generate(job);
      let writing!: () => void;
      const wrote = new Promise<void>((resolve) => (writing = resolve));
      const notes = meetingHost.generate(job, { priority: 'notes', onToken: () => writing() });
      await wrote;
      const pid = meetingHost.pid!;
      let seen = '';
      await scheduler.run('live', async () => {
        // Frozen (T) at once; a restarted chunk would instead be cancelled and go on reading.
        while (stateOf(pid) !== 'T' && scheduler.figures().restarts.notes === 0)
          await new Promise((done) => setImmediate(done));
        seen = stateOf(pid);
      });
      expect(seen).toBe('T');
      const done = await notes;
      expect(scheduler.figures().restarts.notes).toBe(0);
      expect(done.text).toBe(alone.text);
      expect(stateOf(pid)).not.toBe('T');
    } finally {
      await meetingHost.close();
    }
  });

  it('refuses a job whose signal is already aborted without running it', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(host.info(model, { signal: controller.signal })).rejects.toMatchObject({
      code: 'cancelled',
    });
  });

  it('reports a killed host as an error and restarts on the next request', async () => {
    await host.info(model);
    const starts = host.starts;
    const pid = host.pid!;
    const job = host.generate(
      { model, system: 's', prompt: 'long', maxTokens: 500 },
      {
        onToken: () => process.kill(pid, 'SIGKILL'),
      },
    );
    await expect(job).rejects.toMatchObject({
      code: 'llm-host-crashed',
      message: expect.stringMatching(/killed by SIGKILL during a generate job/),
    });
    const info = await host.info(model);
    expect(info.contextSize).toBe(1024);
    expect(host.starts).toBe(starts + 1);
    expect(host.pid).not.toBe(pid);
  });

  it.skipIf(process.platform !== 'linux')(
    'a host frozen when the app dies is thawed and killed, not left stopped in memory',
    async () => {
      // The app: a Node process with its model host, frozen (a whisper run was hearing a question).
      const app = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `import { ModelHost } from ${JSON.stringify(join(projectRoot(), 'src/core/llm/host.ts'))};
           const host = new ModelHost({ idleUnloadMs: 0 });
           await host.info(${JSON.stringify(model)});
           void host.whileFrozen(() => new Promise(() => {}));
           console.log(host.pid);`,
        ],
        { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const [line] = (await once(app.stdout!, 'data')) as [Buffer];
      const pid = Number(line.toString().trim());
      while (stateOf(pid) !== 'T') await new Promise((done) => setImmediate(done));
      app.kill('SIGKILL'); // the app dies as a crash or the task manager would end it
      await once(app, 'exit');
      // Before: state T for good. The watcher checks once a second.
      const gone = () => !existsSync(`/proc/${pid}`) || stateOf(pid) === 'Z';
      for (let waited = 0; !gone() && waited < 15_000; waited += 100)
        await new Promise((done) => setTimeout(done, 100));
      const left = !gone();
      if (left) process.kill(pid, 'SIGKILL'); // not left behind by a failing run
      expect(left).toBe(false);
    },
  );

  it('says clearly when the model file is missing or not a model', async () => {
    await expect(host.info({ ...model, path: '/nonexistent/model.gguf' })).rejects.toThrow(
      /no model file at \/nonexistent\/model.gguf/,
    );
    await expect(
      host.info({ ...model, path: new URL(import.meta.url).pathname }),
    ).rejects.toMatchObject({ code: 'llm-model-unreadable' });
  });
});

/** Linux's process state letter: T when stopped. */
function stateOf(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0]!;
}
