import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/core/paths.js';
import { vaultModelSource } from '../../src/core/models/source.js';
import { meetingPipeline, runPipeline } from '../../src/core/pipeline/pipeline.js';
import { testModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';
import {
  createTestVault,
  filesUnder,
  openTestVault,
  plaintextHits,
  sameSamples,
  syntheticChunk,
  tempDir,
  TEST_PASSPHRASE,
} from '../helpers/vault.js';

const ITERATIONS = 50;
const home = tempDir('greffier-crash-');
let child = '';
let model = '';
let cli = '';

beforeAll(async () => {
  // Bundled once so each of the 50 children starts in plain node, without tsx.
  const out = join(projectRoot(), '.cache', 'crash-child');
  mkdirSync(out, { recursive: true });
  child = join(out, 'crash-child.mjs');
  await build({
    entryPoints: [join(projectRoot(), 'tests', 'integration', 'crash.child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: child,
    logLevel: 'error',
  });
  model = (await testModels()).whisper;
  cli = await whisperCli();
  const { vault } = await createTestVault(home.path);
  await vault.lock();
});

afterAll(() => home.remove());

interface Run {
  lines: string[];
  sent: Map<string, number>;
  acked: Map<string, number>;
}

/**
 * Starts a child and kill -9 it at a random point: after a random number of
 * its acknowledgement lines (most land mid-recording, where lines come
 * fast) plus a few random milliseconds, or after a random delay (which
 * mostly lands inside a whisper job).
 */
function runAndKill(afterLines: number, delayMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [child, home.path, TEST_PASSPHRASE.toString(), model, cli],
      { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const run: Run = { lines: [], sent: new Map(), acked: new Map() };
    let buffered = '';
    let stderr = '';
    proc.stdout.on('data', (data: Buffer) => {
      buffered += data.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) {
        run.lines.push(line);
        const [word, id, index] = line.split(' ');
        if (word === 'sent') run.sent.set(id!, Number(index));
        if (word === 'ack') run.acked.set(id!, Number(index));
        if (run.lines.length === afterLines) setTimeout(() => proc.kill('SIGKILL'), delayMs);
      }
    });
    proc.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child ended by itself (${code}): ${stderr}`));
      else resolve(run);
    });
  });
}

describe('kill -9 during recording and jobs', () => {
  it(`keeps every acknowledged chunk over ${ITERATIONS} kills, and resumes jobs`, async () => {
    let worstLossChunks = 0;
    let recoveredMeetings = 0;
    let requeued = 0;
    let acknowledged = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const run =
        i % 3 === 2
          ? await runAndKill(1, 50 + Math.floor(Math.random() * 1500))
          : await runAndKill(2 + Math.floor(Math.random() * 20), Math.floor(Math.random() * 8));
      // The parent opens the vault the way the next start would.
      const { vault, meetings, jobs } = await openTestVault(home.path);
      recoveredMeetings += vault.lastRecovery.recovered.length;
      requeued += vault.lastRecovery.requeuedJobs.length;
      expect(vault.lastRecovery.damaged).toEqual([]);
      for (const [id, lastAck] of run.acked) {
        const meeting = meetings.getMeeting(id);
        expect(['recovered', 'ready', 'transcribing', 'failed']).toContain(meeting.status);
        let count = 0;
        for await (const chunk of meetings.readAudio(id)) {
          expect(sameSamples(chunk.samples, syntheticChunk(chunk.index))).toBe(true);
          count++;
        }
        // Every acknowledged chunk is there; at most the chunk in flight is lost.
        expect(count).toBeGreaterThanOrEqual(lastAck + 1);
        worstLossChunks = Math.max(worstLossChunks, run.sent.get(id)! + 1 - count);
        acknowledged += lastAck + 1;
      }
      expect(jobs.list({ state: ['running'] })).toEqual([]);
      await vault.lock();
    }
    // Whatever is still queued resumes with the real whisper engine.
    const open = await openTestVault(home.path);
    const { vault, jobs } = open;
    const { ran } = await runPipeline(
      open,
      meetingPipeline({
        models: vaultModelSource(open, { explicit: { asr: model } }),
        host: () => {
          throw new Error('no language model in this test');
        },
        engine: { whisperCli: cli },
      }),
    );
    expect(ran.every((j) => j.state === 'done')).toBe(true);
    expect(jobs.list().every((j) => j.state === 'done')).toBe(true);
    await vault.lock();
    console.log(
      `crash loop: ${ITERATIONS} kills, ${acknowledged} acknowledged chunks all kept, ` +
        `${recoveredMeetings} interrupted recordings recovered, ${requeued} interrupted jobs requeued; ` +
        `worst audio loss ${worstLossChunks} chunk(s) = ${worstLossChunks.toFixed(1)} s (the chunk in flight)`,
    );
    expect(worstLossChunks).toBeLessThanOrEqual(1);
    expect(acknowledged).toBeGreaterThan(0);
    expect(recoveredMeetings).toBeGreaterThan(0);
  }, 600_000);

  it('leaves no plaintext title or audio under the vault folder after the crashes', () => {
    expect(existsSync(join(home.path, 'catalogue.db'))).toBe(true);
    expect(plaintextHits(home.path, ['Zanzibar', 'crash meeting'])).toEqual([]);
    const pcm = Buffer.from(syntheticChunk(1).buffer).subarray(1000, 1064);
    for (const file of filesUnder(home.path)) expect(readFileSync(file).includes(pcm)).toBe(false);
  });
});
