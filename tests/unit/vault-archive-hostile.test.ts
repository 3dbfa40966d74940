// Finding 4 of issue 9: a crafted archive (every record correctly sealed
// with the archive passphrase) wrote into other meetings, failed with
// "unexpected failure: EEXIST" on a repeated id, and left a stray file for
// the id "__proto__". Every record must belong to a meeting of the archive,
// ids must be unique and well-formed, and a refused archive changes nothing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importArchive } from '../../src/core/meetings/archive.js';
import type { OpenVault } from '../../src/core/meetings/index.js';
import { craftArchive, meetingEntry, type CraftedRecord } from '../helpers/archive.js';
import { createTestVault, filesUnder, tempDir } from '../helpers/vault.js';

const home = tempDir('greffier-archive-hostile-');
const PASS = Buffer.from('archive transfer passphrase');
let open: OpenVault;
let victim = '';

function snapshot(): Record<string, string> {
  const dir = join(home.path, 'vault');
  return Object.fromEntries(
    filesUnder(dir)
      .filter((f) => !f.endsWith('vault.lock'))
      .map((f) => [f.slice(dir.length), readFileSync(f).toString('base64')]),
  );
}

beforeAll(async () => {
  open = await createTestVault(join(home.path, 'vault'));
  const m = await open.meetings.create({ title: 'Réunion existante' });
  await open.meetings.finish(m.id);
  await open.meetings.setTranscript(m.id, [{ startMs: 0, endMs: 1000, text: 'original' }]);
  victim = m.id;
});
afterAll(async () => {
  await open.vault.lock();
  home.remove();
});

async function refused(name: string, records: CraftedRecord[], pattern: RegExp): Promise<void> {
  const path = join(home.path, `${name}.greffier`);
  await craftArchive(path, PASS, records);
  const before = snapshot();
  const titles = open.meetings.list().map((m) => m.title);
  const error = await importArchive(open.meetings, path, PASS).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, name).toMatchObject({ code: 'archive-damaged' });
  expect(String((error as Error).message), name).toMatch(pattern);
  expect(
    open.meetings.list().map((m) => m.title),
    name,
  ).toEqual(titles);
  expect(snapshot(), name).toEqual(before);
}

describe('hostile archives', () => {
  it('refuses a blob or audio record for a meeting that is not in the archive', async () => {
    await refused(
      'blob-elsewhere',
      [
        { meta: { type: 'meeting', meetingId: 'mabc' }, bytes: meetingEntry('mabc', 'Leurre') },
        { meta: { type: 'blob', meetingId: victim, name: 'markers' }, bytes: Buffer.from('[]') },
      ],
      /belongs to no meeting of the archive|another meeting/,
    );
    await refused(
      'audio-elsewhere',
      [
        { meta: { type: 'meeting', meetingId: 'mabc' }, bytes: meetingEntry('mabc', 'Leurre') },
        {
          meta: { type: 'audio', meetingId: victim, index: 0 },
          bytes: Buffer.alloc(3200),
        },
      ],
      /belongs to no meeting of the archive|another meeting/,
    );
    // A record before its meeting's own record is as foreign.
    await refused(
      'blob-before',
      [
        { meta: { type: 'blob', meetingId: 'mabc', name: 'markers' }, bytes: Buffer.from('[]') },
        { meta: { type: 'meeting', meetingId: 'mabc' }, bytes: meetingEntry('mabc', 'Leurre') },
      ],
      /belongs to no meeting of the archive|another meeting/,
    );
  });

  it('refuses a repeated meeting id with a clear error (not EEXIST)', async () => {
    await refused(
      'twice',
      [
        { meta: { type: 'meeting', meetingId: 'mdup' }, bytes: meetingEntry('mdup', 'Une') },
        { meta: { type: 'meeting', meetingId: 'mdup' }, bytes: meetingEntry('mdup', 'Deux') },
      ],
      /twice/,
    );
  });

  it('refuses __proto__ and other ill-formed ids or blob names, leaving no stray file', async () => {
    for (const id of ['__proto__', '../../etc', 'a b', '', 'x'.repeat(65), 'constructor ']) {
      await refused(
        `id-${id.length}`,
        [{ meta: { type: 'meeting', meetingId: id }, bytes: meetingEntry(id, 'Piège') }],
        /meeting id|malformed/,
      );
    }
    expect(existsSync(join(home.path, 'vault', 'meetings', '__proto__'))).toBe(false);
    expect(Object.getPrototypeOf(open.vault.data.meetings)).toBe(Object.prototype);
    await refused(
      'blob-name',
      [
        { meta: { type: 'meeting', meetingId: 'mabc' }, bytes: meetingEntry('mabc', 'Leurre') },
        { meta: { type: 'blob', meetingId: 'mabc', name: '../../vault' }, bytes: Buffer.from('x') },
      ],
      /blob name|malformed/,
    );
  });

  it('refuses unknown record types and an end mark that lists other meetings', async () => {
    await refused(
      'unknown',
      [
        { meta: { type: 'meeting', meetingId: 'mabc' }, bytes: meetingEntry('mabc', 'Leurre') },
        { meta: { type: 'script', meetingId: 'mabc' } },
      ],
      /malformed/,
    );
    const path = join(home.path, 'end.greffier');
    await craftArchive(
      path,
      PASS,
      [
        { meta: { type: 'meeting', meetingId: 'mabc' }, bytes: meetingEntry('mabc', 'Leurre') },
        { meta: { type: 'end', records: 1, meetings: ['mabc', victim] } },
      ],
      { endRecord: false },
    );
    await expect(importArchive(open.meetings, path, PASS)).rejects.toMatchObject({
      code: 'archive-damaged',
    });
    expect(open.meetings.list()).toHaveLength(1);
  });

  it('the victim meeting is untouched', async () => {
    expect(await open.vault.listMeetingBlobs(victim)).toEqual([]);
    expect((await open.meetings.get(victim)).segments[0]?.text).toBe('original');
  });
});
