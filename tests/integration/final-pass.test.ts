import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { transcribeMeeting } from '../../src/core/meetings/transcription.js';
import { windowBlobName, type FinalWindow } from '../../src/core/meetings/final-pass.js';
import { addTurn } from '../../src/core/meetings/notes.js';
import { projectRoot } from '../../src/core/paths.js';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';
import { createTestVault, openTestVault, tempDir, TEST_PASSPHRASE } from '../helpers/vault.js';
import { callOk } from '../helpers/app-api.js';
import type { CallName } from '../../src/shared/api.js';

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

const skip = speechToolsMissing();
if (skip) console.warn(`final pass during recording skipped: ${skip}`);

describe.skipIf(Boolean(skip))('final-quality pass during the recording', () => {
  const home = tempDir('greffier-final-pass-');
  let model = '';
  let cli = '';
  let audio = '';

  beforeAll(async () => {
    model = (await testModels()).whisper;
    cli = await whisperCli();
    // About 2 minutes of French speech: four or five 30 s windows.
    const speech = readFileSync(spokenWav({ lang: 'fr', repeat: 4 }));
    const body = speech.subarray(44);
    const wav = Buffer.concat([speech.subarray(0, 44), body, body, body, body]);
    wav.writeUInt32LE(wav.length - 8, 4);
    wav.writeUInt32LE(body.length * 4, 40);
    audio = join(home.path, 'meeting.wav');
    writeFileSync(audio, wav);
    const { vault } = await createTestVault(join(home.path, 'vault'));
    await vault.lock();
  });
  afterAll(() => home.remove());

  /** Records in a child process and kill -9 it once `windows` windows are done. */
  function recordAndKill(windows: number): Promise<{
    meetingId: string;
    done: Map<number, string>;
    spans: Map<number, [number, number, number]>;
  }> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join('tests', 'integration', 'final-pass.child.ts'),
          join(home.path, 'vault'),
          TEST_PASSPHRASE.toString(),
          model,
          cli,
          audio,
        ],
        { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let meetingId = '';
      const done = new Map<number, string>();
      const spans = new Map<number, [number, number, number]>();
      let buffered = '';
      let stderr = '';
      child.stdout.on('data', (data: Buffer) => {
        buffered += data.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const [word, rest] = [
            line.slice(0, line.indexOf(' ')),
            line.slice(line.indexOf(' ') + 1),
          ];
          if (word === 'meeting') meetingId = rest;
          if (word === 'span') {
            const [index, ...span] = rest.split(' ').map(Number);
            spans.set(index!, span as [number, number, number]);
          }
          if (word === 'window') {
            const space = rest.indexOf(' ');
            done.set(Number(rest.slice(0, space)), rest.slice(space + 1));
            if (done.size === windows) child.kill('SIGKILL');
          }
        }
      });
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
      child.on('exit', (code, signal) => {
        if (signal === 'SIGKILL') resolve({ meetingId, done, spans });
        else reject(new Error(`the recording ended by itself (${code}): ${stderr}`));
      });
    });
  }

  it('after kill -9, the windows already done are kept and only the rest is transcribed', async () => {
    const { meetingId, done, spans } = await recordAndKill(2);
    expect(done.size).toBe(2);
    const open = await openTestVault(join(home.path, 'vault'));
    expect(open.vault.lastRecovery.recovered.map((r) => r.meetingId)).toContain(meetingId);
    // The clerk gave the floor to someone in the middle of the first window.
    await addTurn(open.meetings, meetingId, { atMs: 0, speakerId: 'p1' });
    await addTurn(open.meetings, meetingId, { atMs: 12_000, speakerId: 'p2' });

    const windows: FinalWindow[] = [];
    const figures = await transcribeMeeting(open.meetings, meetingId, {
      model,
      whisperCli: cli,
      threads: 1,
      onWindow: (window) => windows.push(window),
    });
    // The two windows sealed before the kill were taken from the vault, not redone.
    expect(figures.reused).toBe(2);
    expect(figures.transcribed).toBeGreaterThan(0);
    // The reused windows cover what they covered before the kill, and the next request starts
    // where the second one stopped: the tail it carried (if any) is rebuilt, not lost.
    for (const window of windows.slice(0, 2)) {
      expect([window.fromMs, window.toMs, window.carriedMs]).toEqual(spans.get(window.index));
    }
    expect(windows[2]!.fromMs).toBe(spans.get(1)![1]);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.fromMs).toBe(windows[i - 1]!.toMs);

    const stored = await open.meetings.getSegments(meetingId);
    const byId = new Map(stored.map((s) => [s.id, s]));
    for (const [index, json] of done) {
      const lines = JSON.parse(json) as [string, number, string][];
      for (const [id, startMs, text] of lines) {
        // Same id, same start, same words: a citation made during the meeting still holds.
        const segment = byId.get(id);
        expect(segment, `${id} of window ${index}`).toBeDefined();
        expect(segment!.startMs).toBe(startMs);
        // A line the turn cut keeps its first words; any other keeps all of them.
        if (byId.has(`${id}b`)) expect(text.startsWith(segment!.text)).toBe(true);
        else expect(segment!.text).toBe(text);
      }
    }
    // A line cut by the turn keeps its id for its first part; the second part follows it.
    const cut = stored.filter((s) => /b$/.test(s.id));
    expect(cut.length).toBeGreaterThan(0);
    for (const part of cut) {
      const first = byId.get(part.id.slice(0, -1))!;
      expect(first.speakerId).toBe('p1');
      expect(part.speakerId).toBe('p2');
    }
    // Every id is distinct and in time order.
    expect(new Set(stored.map((s) => s.id)).size).toBe(stored.length);
    // The per-window copies are gone once the transcript is stored (a correction must not survive in them).
    for (let i = 0; i < 3; i++) {
      expect(await open.vault.readMeetingBlob(meetingId, windowBlobName(i))).toBeUndefined();
    }
    await open.vault.lock();
  });
});

describe.skipIf(Boolean(skip))('full-quality lines replace live ones in the app', () => {
  it('keeps, in the stored transcript, the ids of the lines shown during the recording', async () => {
    const { AppService } = await import('../../src/core/app/app-service.js');
    const { TEST_KDF } = await import('../helpers/vault.js');
    process.env.GREFFIER_WHISPER_CLI = await whisperCli();
    const model = (await testModels()).whisper;
    const dir = tempDir('greffier-final-app-');
    const service = new AppService({
      home: dir.path,
      kdf: TEST_KDF,
      threads: 1,
      fallbackModels: { asr: model },
    });
    const shown: { ids: string[]; replaces?: { fromMs: number; toMs: number } }[] = [];
    let windowShown: () => void = () => undefined;
    const firstWindow = new Promise<void>((resolve) => (windowShown = resolve));
    service.dispatcher.onEvent((event, payload) => {
      if (event !== 'live.segments') return;
      const p = payload as {
        segments: { id: string }[];
        replaces?: { fromMs: number; toMs: number };
      };
      shown.push({
        ids: p.segments.map((s) => s.id),
        ...(p.replaces ? { replaces: p.replaces } : {}),
      });
      if (p.replaces) windowShown();
    });
    const call = async (name: string, input: unknown) =>
      (await callOk(service, name as CallName, input)) as Record<string, unknown>;
    try {
      await call('vault.create', { passphrase: 'une phrase secrète assez longue' });
      const { meetingId } = (await call('recording.start', {
        title: 'Conseil',
        language: 'fr',
        speakers: ['Maire', 'Adjoint'],
      })) as { meetingId: string };
      await call('recording.speakerTurn', { meetingId, speakerId: 'p1', atMs: 0 });
      const pcm = readFileSync(spokenWav({ lang: 'fr', repeat: 4 })).subarray(44);
      let seq = 0;
      let windowDone = false;
      void firstWindow.then(() => (windowDone = true));
      // Audio comes until the first full-quality window has replaced live lines, then 5 s more.
      for (let round = 0; round < 6 && !windowDone; round++) {
        for (let offset = 0; offset < pcm.length; offset += 32_000) {
          await call('recording.append', {
            meetingId,
            seq: seq++,
            pcm: pcm.subarray(offset, offset + 32_000).toString('base64'),
          });
        }
        if (round === 1) await firstWindow;
      }
      await call('recording.speakerTurn', { meetingId, speakerId: 'p2', atMs: 1_000 });
      await call('recording.stop', { meetingId });
      await service.idle();
      const detail = (await call('meetings.get', { id: meetingId })) as {
        segments: { id: string }[];
      };
      const stored = new Set(detail.segments.map((s) => s.id));
      const replacing = shown.filter((e) => e.replaces);
      expect(replacing.length).toBeGreaterThan(0);
      // Live lines are previews (live-N); the full-quality lines shown are the stored ones.
      expect(shown.some((e) => !e.replaces && e.ids.every((id) => id.startsWith('live-')))).toBe(
        true,
      );
      for (const event of replacing) for (const id of event.ids) expect(stored.has(id)).toBe(true);
    } finally {
      await service.close();
      dir.remove();
    }
  });
});
