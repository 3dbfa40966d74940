import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportArchive, importArchive } from '../../src/core/meetings/archive.js';
import { createTestVault, sameSamples, syntheticChunk, tempDir } from '../helpers/vault.js';

const dirs: { remove(): void }[] = [];
function fresh() {
  const d = tempDir();
  dirs.push(d);
  return d.path;
}
afterEach(() => {
  while (dirs.length) dirs.pop()!.remove();
});

const ARCHIVE_PASS = Buffer.from('transfer between PCs');

describe('transfer archives', () => {
  it('carries audio, transcript, speakers, summary and meeting blobs; refuses every changed byte', async () => {
    const from = await createTestVault(fresh());
    const m = await from.meetings.create({ title: 'Briefing défense', language: 'fr' });
    for (let i = 0; i < 3; i++) await from.meetings.appendAudio(m.id, syntheticChunk(i));
    await from.meetings.finish(m.id);
    await from.meetings.setTranscript(m.id, [
      { startMs: 0, endMs: 900, text: 'ordre du jour', speakerId: 'S1' },
    ]);
    await from.meetings.renameSpeaker(m.id, 'S1', 'Colonel Martin');
    await from.meetings.setSummary(m.id, { overview: 'rien à signaler' });
    await from.vault.writeMeetingBlob(m.id, 'vectors', Buffer.from([1, 2, 3, 4]));
    const out = join(fresh(), 'x.greffier');
    const result = await exportArchive(from.meetings, [m.id, m.id], out, ARCHIVE_PASS);
    expect(result.meetings).toEqual([m.id]);
    const bytes = readFileSync(out);
    for (const word of ['Briefing', 'Martin', 'ordre du jour', 'signaler']) {
      expect(bytes.includes(Buffer.from(word))).toBe(false);
    }

    const to = await createTestVault(fresh());
    // Flip one byte at a few places across the file: each is refused, nothing imported.
    for (const at of [12, 40, Math.floor(bytes.length / 2), bytes.length - 3]) {
      const bad = Buffer.from(bytes);
      bad[at]! ^= 0x10;
      const path = join(fresh(), 'bad.greffier');
      writeFileSync(path, bad);
      await expect(importArchive(to.meetings, path, ARCHIVE_PASS)).rejects.toThrow(/archive/);
      expect(to.meetings.list()).toEqual([]);
    }
    const extra = join(fresh(), 'extra.greffier');
    writeFileSync(extra, Buffer.concat([bytes, Buffer.from('trailing')]));
    await expect(importArchive(to.meetings, extra, ARCHIVE_PASS)).rejects.toThrow(
      /truncated or damaged|unexpected bytes/,
    );
    await expect(
      importArchive(to.meetings, join(fresh(), 'none.greffier'), ARCHIVE_PASS),
    ).rejects.toThrow(/no such file/);

    const { meetings } = await importArchive(to.meetings, out, ARCHIVE_PASS);
    expect(meetings.map((x) => x.id)).toEqual([m.id]);
    const detail = await to.meetings.get(m.id);
    expect(detail).toMatchObject({
      title: 'Briefing défense',
      status: 'ready',
      summary: { overview: 'rien à signaler' },
    });
    expect(detail.speakers).toEqual([{ id: 'S1', name: 'Colonel Martin' }]);
    expect(detail.segments[0]?.text).toBe('ordre du jour');
    let n = 0;
    for await (const chunk of to.meetings.readAudio(m.id))
      expect(sameSamples(chunk.samples, syntheticChunk(n++))).toBe(true);
    expect(n).toBe(3);
    expect([...(await to.vault.readMeetingBlob(m.id, 'vectors'))!]).toEqual([1, 2, 3, 4]);
    // The copy has its own key: deleting it in one vault leaves the other intact.
    expect(to.vault.data.meetings[m.id]!.wrappedKey).not.toBe(
      from.vault.data.meetings[m.id]!.wrappedKey,
    );
    await from.vault.lock();
    await to.vault.lock();
  });
});
