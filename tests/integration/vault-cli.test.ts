import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGreffier } from '../helpers/cli.js';
import { openVault } from '../../src/core/meetings/index.js';
import { projectRoot } from '../../src/core/paths.js';
import { testModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { filesUnder, plaintextHits, tempDir } from '../helpers/vault.js';

const ENTRY = join(projectRoot(), 'tests', 'integration', 'vault-cli.entry.ts');
const home = tempDir('greffier-cli-');
const passFile = join(home.path, 'pass.txt');
const archivePassFile = join(home.path, 'archive-pass.txt');
const vaultDir = join(home.path, 'home', 'vault');
let env: NodeJS.ProcessEnv;
let model = '';
let wav = '';
const speechMissing = speechToolsMissing();
if (speechMissing) console.warn(`vault CLI tests with speech skipped: ${speechMissing}`);

async function greffier(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runGreffier(env, args);
}

beforeAll(async () => {
  writeFileSync(passFile, 'conseil secret passphrase\n');
  writeFileSync(archivePassFile, 'archive transfer passphrase\n');
  env = { ...process.env, GREFFIER_HOME: join(home.path, 'home') };
  model = (await testModels()).whisper;
  env.GREFFIER_WHISPER_CLI = await whisperCli();
  if (!speechMissing) wav = spokenWav({ lang: 'fr' });
});
afterAll(() => home.remove());

describe('greffier vault CLI', () => {
  it('refuses to work without a vault, and without a passphrase source', async () => {
    const r = await greffier('list', '--passphrase-file', passFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /there is no vault in .*vault — create one with "greffier vault init"/,
    );
    const init = await greffier('vault', 'init');
    expect(init.code).toBe(2);
    expect(init.stderr).toMatch(/no passphrase given and no terminal.*--passphrase-file/);
    const missing = await greffier('vault', 'init', '--passphrase-file', join(home.path, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/passphrase file .*nope does not exist/);
  });

  it('refuses a short passphrase', async () => {
    const short = join(home.path, 'short.txt');
    writeFileSync(short, 'abc\n');
    const r = await greffier('vault', 'init', '--passphrase-file', short);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/passphrase is too short \(3 characters; at least 12/);
    expect(existsSync(join(vaultDir, 'vault.json'))).toBe(false);
  });

  it('creates the vault, and refuses to create it twice', async () => {
    const r = await greffier('vault', 'init', '--passphrase-file', passFile);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`vault created in ${vaultDir}`);
    const again = await greffier('vault', 'init', '--passphrase-file', passFile);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/a vault already exists/);
    const status = await greffier('vault', 'status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({
      exists: true,
      kdf: { name: 'scrypt', N: 131072, r: 8, p: 1 },
    });
  });

  it('refuses a wrong passphrase with exit 1', async () => {
    const wrong = join(home.path, 'wrong.txt');
    writeFileSync(wrong, 'not the right one\n');
    const r = await greffier('list', '--passphrase-file', wrong);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/wrong passphrase for this vault — check the passphrase/);
  });

  it('reports bad usage with exit 2', async () => {
    expect((await greffier('import', '--passphrase-file', passFile)).stderr).toMatch(
      /import takes the path of one audio file/,
    );
    const noTitle = await greffier('import', 'x.wav', '--passphrase-file', passFile);
    expect(noTitle.code).toBe(2);
    expect(noTitle.stderr).toMatch(/import needs --title/);
    const badLang = await greffier(
      'import',
      'x.wav',
      '--title',
      'T',
      '--lang',
      'de',
      '--passphrase-file',
      passFile,
    );
    expect(badLang.code).toBe(2);
    expect(badLang.stderr).toMatch(/--lang takes fr, en or auto, not "de"/);
    const badStatus = await greffier('list', '--status', 'done', '--passphrase-file', passFile);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/--status takes one of recording, /);
    const badDate = await greffier('list', '--from', 'yesterday', '--passphrase-file', passFile);
    expect(badDate.code).toBe(2);
    const noId = await greffier('show', '--passphrase-file', passFile);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toMatch(/show takes one meeting id/);
    const unknown = await greffier('show', 'mdeadbeef', '--passphrase-file', passFile);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /there is no meeting "mdeadbeef" in this vault — run "greffier list"/,
    );
    const noOut = await greffier('export', 'mdeadbeef', '--passphrase-file', passFile);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/export needs --out/);
    const argvPass = await greffier('list', '--passphrase', 'x');
    expect(argvPass.code).toBe(2);
  });

  it('refuses a speech model that is not one before storing anything', async () => {
    const notModel = join(home.path, 'not-a-model.bin');
    writeFileSync(notModel, 'hello, not a model at all');
    const r = await greffier(
      'import',
      'x.wav',
      '--title',
      'T',
      '--asr-model',
      notModel,
      '--passphrase-file',
      passFile,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /not-a-model\.bin is not a whisper\.cpp model .* — give --asr-model a whisper\.cpp model/,
    );
    const missing = await greffier(
      'import',
      'x.wav',
      '--title',
      'T',
      '--asr-model',
      join(home.path, 'absent.bin'),
      '--passphrase-file',
      passFile,
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/absent\.bin/);
  });

  it('refuses an MP3 with no decodable audio and leaves no meeting behind', async () => {
    const mp3 = join(home.path, 'talk.mp3');
    writeFileSync(mp3, Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00'), Buffer.alloc(64)]));
    const r = await greffier('import', mp3, '--title', 'Bad', '--passphrase-file', passFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/talk\.mp3 is an MP3 file, but no audio could be decoded/);
    expect(
      JSON.parse((await greffier('list', '--json', '--passphrase-file', passFile)).stdout),
    ).toEqual([]);
  });

  it.skipIf(!!speechMissing)(
    'imports and transcribes a spoken WAV; nothing readable is left on disk',
    async () => {
      const r = await greffier(
        'import',
        wav,
        '--title',
        'Conseil Zanzibar',
        '--lang',
        'fr',
        '--asr-model',
        model,
        '--passphrase-file',
        passFile,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const id = r.stdout.trim();
      expect(id).toMatch(/^m[0-9a-f]{16}$/);
      const list = JSON.parse(
        (await greffier('list', '--json', '--passphrase-file', passFile)).stdout,
      );
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({
        id,
        title: 'Conseil Zanzibar',
        status: 'ready',
        language: 'fr',
      });
      expect(list[0].segmentCount).toBeGreaterThan(0);
      const show = JSON.parse(
        (await greffier('show', id, '--json', '--passphrase-file', passFile)).stdout,
      );
      expect(show.segments.length).toBe(list[0].segmentCount);
      const words = show.segments
        .map((s: { text: string }) => s.text)
        .join(' ')
        .split(/\s+/)
        .filter((w: string) => w.length >= 6);
      // The title and every long transcribed word are nowhere in clear under GREFFIER_HOME.
      expect(
        plaintextHits(env.GREFFIER_HOME!, ['Zanzibar', 'Conseil', ...words.slice(0, 20)]),
      ).toEqual([]);
      // Nor is the speech itself.
      const pcm = readFileSync(wav).subarray(20_000, 20_064);
      const grep = spawnSync('grep', ['-r', '-l', 'Zanzibar', env.GREFFIER_HOME!]);
      expect(grep.status).toBe(1);
      for (const file of filesUnder(env.GREFFIER_HOME!))
        expect(readFileSync(file).includes(pcm)).toBe(false);
    },
  );

  it.skipIf(!!speechMissing)('leaves a queued job without a model, and resumes it', async () => {
    const r = await greffier('import', wav, '--title', 'Pending', '--passphrase-file', passFile);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/transcription queued .* jobs --resume/);
    const jobs = JSON.parse(
      (await greffier('jobs', '--json', '--passphrase-file', passFile)).stdout,
    );
    expect(jobs.jobs.filter((j: { state: string }) => j.state === 'queued')).toHaveLength(1);
    const noModel = await greffier('jobs', '--resume', '--passphrase-file', passFile);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(
      /could not start and stay queued: no speech model to transcribe with/,
    );
    const still = JSON.parse(
      (await greffier('jobs', '--json', '--passphrase-file', passFile)).stdout,
    );
    expect(still.jobs.filter((j: { state: string }) => j.state === 'queued')).toHaveLength(1);
    const resumed = await greffier(
      'jobs',
      '--resume',
      '--asr-model',
      model,
      '--passphrase-file',
      passFile,
    );
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^ran j[0-9a-f]+ +transcribe +done/m);
    const list = JSON.parse(
      (await greffier('list', '--json', '--text', 'pend', '--passphrase-file', passFile)).stdout,
    );
    expect(list).toHaveLength(1);
    expect(list[0].status).toBe('ready');
    expect(list[0].segmentCount).toBeGreaterThan(0);
  });

  it.skipIf(!!speechMissing)(
    'resumes index jobs; a minutes job waits for a language model',
    async () => {
      const open = await openVault(vaultDir, Buffer.from('conseil secret passphrase'), {
        autoLockMinutes: 0,
      });
      const id = open.meetings.list({ text: 'pending' })[0]!.id;
      const index = await open.jobs.enqueue('index', id);
      const minutes = await open.jobs.enqueue('summarize', id);
      await open.vault.lock();
      const r = await greffier('jobs', '--resume', '--passphrase-file', passFile);
      expect(r.stdout).toMatch(new RegExp(`^ran ${index.id} +index +done`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^waiting ${minutes.id} +summarize +queued`, 'm'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /could not start and stay queued: no language model to write minutes with/,
      );
      const stored = await openVault(vaultDir, Buffer.from('conseil secret passphrase'), {
        autoLockMinutes: 0,
      });
      try {
        // The meeting's part of the index, sealed with its key in its folder.
        expect(await stored.vault.readMeetingFile(id, 'search-index', 1, 'index')).toBeDefined();
      } finally {
        await stored.vault.lock();
      }
    },
  );

  it.skipIf(!!speechMissing)(
    'exports to an archive, refuses tampered or truncated ones, imports it elsewhere',
    async () => {
      const list = JSON.parse(
        (await greffier('list', '--json', '--passphrase-file', passFile)).stdout,
      );
      const id = list.find((m: { title: string }) => m.title === 'Conseil Zanzibar').id as string;
      const out = join(home.path, 'transfer.greffier');
      const r = await greffier(
        'export',
        id,
        '--out',
        out,
        '--archive-passphrase-file',
        archivePassFile,
        '--passphrase-file',
        passFile,
      );
      expect(r.code).toBe(0);
      expect(readFileSync(out).includes(Buffer.from('Zanzibar'))).toBe(false);
      const exists = await greffier(
        'export',
        id,
        '--out',
        out,
        '--archive-passphrase-file',
        archivePassFile,
        '--passphrase-file',
        passFile,
      );
      expect(exists.code).toBe(2);
      expect(exists.stderr).toMatch(/already exists/);

      // Into a second vault (another PC).
      const other = { ...env, GREFFIER_HOME: join(home.path, 'other') };
      const saved = env;
      env = other;
      try {
        expect((await greffier('vault', 'init', '--passphrase-file', passFile)).code).toBe(0);
        const bytes = readFileSync(out);
        const tampered = join(home.path, 'tampered.greffier');
        const flipped = Buffer.from(bytes);
        flipped[Math.floor(bytes.length * 0.6)]! ^= 0x01;
        writeFileSync(tampered, flipped);
        const t = await greffier(
          'import-archive',
          tampered,
          '--archive-passphrase-file',
          archivePassFile,
          '--passphrase-file',
          passFile,
        );
        expect(t.code).toBe(1);
        expect(t.stderr).toMatch(
          /was altered or damaged \(record \d+ fails authentication\) — nothing was imported/,
        );
        const truncated = join(home.path, 'truncated.greffier');
        writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
        const c = await greffier(
          'import-archive',
          truncated,
          '--archive-passphrase-file',
          archivePassFile,
          '--passphrase-file',
          passFile,
        );
        expect(c.code).toBe(1);
        expect(c.stderr).toMatch(/is truncated/);
        const wrongPass = await greffier(
          'import-archive',
          out,
          '--archive-passphrase-file',
          passFile,
          '--passphrase-file',
          passFile,
        );
        expect(wrongPass.code).toBe(1);
        expect(wrongPass.stderr).toMatch(/wrong archive passphrase/);
        expect(
          JSON.parse((await greffier('list', '--json', '--passphrase-file', passFile)).stdout),
        ).toEqual([]);

        const ok = await greffier(
          'import-archive',
          out,
          '--archive-passphrase-file',
          archivePassFile,
          '--passphrase-file',
          passFile,
        );
        expect(ok.code).toBe(0);
        expect(ok.stdout).toContain(`imported ${id}  Conseil Zanzibar`);
        const show = JSON.parse(
          (await greffier('show', id, '--json', '--passphrase-file', passFile)).stdout,
        );
        env = saved;
        const original = JSON.parse(
          (await greffier('show', id, '--json', '--passphrase-file', passFile)).stdout,
        );
        expect(show.segments).toEqual(original.segments);
        expect(show.audio).toEqual(original.audio);
        env = other;
        const twice = await greffier(
          'import-archive',
          out,
          '--archive-passphrase-file',
          archivePassFile,
          '--passphrase-file',
          passFile,
        );
        expect(twice.code).toBe(1);
        expect(twice.stderr).toMatch(/already holds meeting/);
      } finally {
        env = saved;
      }
    },
  );

  it('says "vault in use by PID" while another process has it open', async () => {
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', ENTRY, '--hold', vaultDir, 'conseil secret passphrase'],
      {
        cwd: projectRoot(),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
        holder.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
      });
      const before = readFileSync(join(vaultDir, 'catalogue.db'));
      const r = await greffier('list', '--passphrase-file', passFile);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`vault in use by PID ${holder.pid}`);
      expect(r.stderr).toMatch(/close the other Greffier window or command first/);
      expect(readFileSync(join(vaultDir, 'catalogue.db'))).toEqual(before);
      const status = await greffier('vault', 'status');
      expect(status.stdout).toContain(`in use by PID ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // The dead holder's lock is taken over.
    expect((await greffier('list', '--passphrase-file', passFile)).code).toBe(0);
  });

  it.skipIf(!!speechMissing)(
    'converts a 44.1 kHz stereo WAV to 16 kHz mono on import',
    async () => {
      const stereo = spokenWav({ lang: 'en', variant: '44k-stereo-16bit' });
      const r = await greffier(
        'import',
        stereo,
        '--title',
        'Stereo board',
        '--lang',
        'en',
        '--passphrase-file',
        passFile,
      );
      expect(r.code).toBe(0);
      const show = JSON.parse(
        (await greffier('show', r.stdout.trim(), '--json', '--passphrase-file', passFile)).stdout,
      );
      expect(show.audio).toMatchObject({ sampleRate: 16000, channels: 1 });
      expect(show.durationMs).toBeGreaterThan(2000);
      const deleted = await greffier('delete', show.id, '--passphrase-file', passFile);
      expect(deleted).toMatchObject({ code: 0, stdout: `deleted ${show.id}\n` });
    },
  );

  it('changes the passphrase: the old one stops working, the data stays', async () => {
    const next = join(home.path, 'next.txt');
    writeFileSync(next, 'a new and longer passphrase\n');
    const before = JSON.parse(
      (await greffier('list', '--json', '--passphrase-file', passFile)).stdout,
    );
    const r = await greffier(
      'vault',
      'passwd',
      '--passphrase-file',
      passFile,
      '--new-passphrase-file',
      next,
    );
    expect(r).toMatchObject({ code: 0, stdout: 'passphrase changed\n' });
    expect((await greffier('list', '--passphrase-file', passFile)).code).toBe(1);
    const after = JSON.parse((await greffier('list', '--json', '--passphrase-file', next)).stdout);
    expect(after).toEqual(before);
    const status = JSON.parse(
      (await greffier('vault', 'status', '--json', '--passphrase-file', next)).stdout,
    );
    expect(status.meetings).toBe(before.length);
    // Back to the first passphrase for the tests that follow.
    expect(
      (
        await greffier(
          'vault',
          'passwd',
          '--passphrase-file',
          next,
          '--new-passphrase-file',
          passFile,
        )
      ).code,
    ).toBe(0);
  });

  it('runs as a real process: init, list --json, exit codes', () => {
    const realHome = join(home.path, 'spawned');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
        cwd: projectRoot(),
        env: { ...process.env, GREFFIER_HOME: realHome },
        encoding: 'utf8',
      });
    expect(run('vault', 'init', '--passphrase-file', passFile).status).toBe(0);
    const list = run('list', '--json', '--passphrase-file', passFile);
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const bad = run('delete', '--passphrase-file', passFile);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/delete takes one meeting id/);
  });
});
