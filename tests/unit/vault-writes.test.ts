// Finding 7 of issue 9: the export's temp file `<out>.partial-<pid>` was
// opened with 'w' and followed a symlink planted there; the vault's own
// writes used a fixed temp name the same way. Every write of ours now
// creates a fresh, unguessable temp name exclusively ('wx').
import { existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportArchive } from '../../src/core/meetings/archive.js';
import { writeDurable } from '../../src/core/vault/durable.js';
import { createTestVault, tempDir } from '../helpers/vault.js';

const home = tempDir('greffier-writes-');
afterAll(() => home.remove());
const ARCHIVE_PASS = Buffer.from('archive transfer passphrase');

describe('writes follow no planted symlink', () => {
  it('export does not write through a symlink at its old temp name, nor over an existing file', async () => {
    const open = await createTestVault(join(home.path, 'vault'));
    const m = await open.meetings.create({ title: 'Exportée' });
    await open.meetings.finish(m.id);
    const victim = join(home.path, 'victim.txt');
    writeFileSync(victim, 'precious');
    const out = join(home.path, 'out.greffier');
    symlinkSync(victim, `${out}.partial-${process.pid}`);
    await exportArchive(open.meetings, [m.id], out, ARCHIVE_PASS);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readFileSync(out).subarray(0, 8).toString()).toBe('GRFARC01');

    // The archive itself is created exclusively: an existing file (or link) is refused.
    const taken = join(home.path, 'taken.greffier');
    symlinkSync(victim, taken);
    await expect(exportArchive(open.meetings, [m.id], taken, ARCHIVE_PASS)).rejects.toMatchObject({
      code: 'exists',
    });
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    // No temp file is left behind by the refusal.
    expect(readdirSync(home.path).filter((n) => n.includes('partial'))).toEqual([
      `out.greffier.partial-${process.pid}`,
    ]);
    await open.vault.lock();
  });

  it('a vault write does not follow a symlink planted at its old fixed temp name', async () => {
    const dir = join(home.path, 'durable');
    const victim = join(home.path, 'victim2.txt');
    writeFileSync(victim, 'precious');
    await writeDurable(join(dir, 'catalogue.db'), Buffer.from('one'));
    symlinkSync(victim, join(dir, '.catalogue.db.tmp'));
    await writeDurable(join(dir, 'catalogue.db'), Buffer.from('two'), { backup: true });
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readFileSync(join(dir, 'catalogue.db'), 'utf8')).toBe('two');
    expect(existsSync(join(dir, 'catalogue.db.bak'))).toBe(true);
  });
});
