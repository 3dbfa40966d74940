import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/core/paths.js';
import {
  createTestVault,
  openTestVault,
  sameSamples,
  syntheticChunk,
  tempDir,
} from '../helpers/vault.js';

const prlimit = spawnSync('prlimit', ['--version']).status === 0;
if (!prlimit) console.warn('disk-full test skipped: prlimit (util-linux) is not installed');

const home = tempDir('greffier-diskfull-');
afterAll(() => home.remove());

// Runs in a child whose file-size limit (RLIMIT_FSIZE) makes the journal's
// 7th chunk fail with EFBIG, as a full disk would.
const CHILD = `
import { openVault } from '${projectRoot()}/src/core/meetings/index.ts';
import { syntheticChunk } from '${projectRoot()}/tests/helpers/vault.ts';
const { vault, meetings } = await openVault(process.env.VAULT, Buffer.from(process.env.PASS), { autoLockMinutes: 0 });
const m = await meetings.create({ title: 'disk full' });
let acked = 0;
let error = '';
for (let i = 0; i < 20; i++) {
  try { await meetings.appendAudio(m.id, syntheticChunk(i)); acked++; }
  catch (e) { error = e.message; break; }
}
let after = '';
await meetings.appendAudio(m.id, syntheticChunk(99)).catch((e) => (after = e.message));
const done = await meetings.finish(m.id);
await vault.lock();
console.log(JSON.stringify({ id: m.id, acked, error, after, status: done.status, note: done.statusNote, chunks: done.audio.chunks }));
`;

describe('a write the disk refuses while recording', () => {
  it.skipIf(!prlimit)(
    'stops the recording cleanly and keeps every acknowledged chunk',
    async () => {
      const { vault } = await createTestVault(home.path);
      await vault.lock();
      const run = spawnSync(
        'prlimit',
        ['--fsize=230000', process.execPath, '--import', 'tsx', '--input-type=module', '-e', CHILD],
        {
          cwd: projectRoot(),
          env: { ...process.env, VAULT: home.path, PASS: 'correct horse battery staple' },
          encoding: 'utf8',
        },
      );
      expect(run.stderr).toBe('');
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
      expect(result.acked).toBeGreaterThan(2);
      expect(result.acked).toBeLessThan(20);
      expect(result.error).toMatch(/audio could not be written to the vault \(EFBIG\)/);
      expect(result.after).toBe(result.error);
      expect(result).toMatchObject({ status: 'recovered', chunks: result.acked });
      expect(result.note).toMatch(/stopped early/);

      const { vault: again, meetings } = await openTestVault(home.path);
      let n = 0;
      for await (const chunk of meetings.readAudio(result.id)) {
        expect(sameSamples(chunk.samples, syntheticChunk(n))).toBe(true);
        n++;
      }
      expect(n).toBe(result.acked);
      await again.lock();
    },
  );
});
