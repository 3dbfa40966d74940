import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, auditHead, readAudit, verifyAudit } from '../../src/core/audit/index.js';
import {
  auditKey,
  auditPath,
  headPath,
  sealEntry,
  splitRecords,
} from '../../src/core/audit/log.js';
import { openVault, type OpenVault } from '../../src/core/meetings/index.js';
import { seal } from '../../src/core/vault/crypto.js';
import { runGreffier } from '../helpers/cli.js';
import {
  createTestVault,
  openTestVault,
  plaintextHits,
  tempDir,
  TEST_PASSPHRASE,
} from '../helpers/vault.js';

/** The file's records, as raw frames (length prefix included), to tamper with. */
function frames(path: string): Buffer[] {
  const bytes = readFileSync(path);
  return splitRecords(bytes).records.map((r) =>
    bytes.subarray(r.offset, r.offset + 4 + r.sealed.length),
  );
}

describe('the audit trail', () => {
  let dir: ReturnType<typeof tempDir>;
  let open: OpenVault;
  let vaultDir: string;

  beforeEach(async () => {
    dir = tempDir('greffier-audit-');
    vaultDir = join(dir.path, 'vault');
    open = await createTestVault(vaultDir);
    const meeting = await open.meetings.create({ title: 'Conseil municipal' });
    await open.meetings.finish(meeting.id);
    await open.meetings.setTranscript(meeting.id, [
      { startMs: 0, endMs: 1000, text: 'Jeanne Martin ouvre la séance.' },
    ]);
    await open.meetings.editSegment(meeting.id, 's0001', {
      text: 'Madame le maire ouvre la séance.',
    });
    for (let i = 0; i < 10; i++) {
      await appendAudit(open.vault, {
        action: 'export.meeting',
        meetingId: meeting.id,
        details: { format: 'pdf', n: i },
      });
    }
  });

  afterEach(async () => {
    await open.vault.lock();
    dir.remove();
  });

  it('records the actions of the core, chained and sealed, and verifies intact', async () => {
    const entries = await readAudit(open.vault);
    expect(entries.map((e) => e.action).slice(0, 4)).toEqual([
      'vault.created',
      'recording.started',
      'recording.stopped',
      'segment.edited',
    ]);
    const edit = entries[3]!;
    expect(edit.details).toMatchObject({ segmentId: 's0001' });
    expect(String(edit.details?.oldTextHash)).toMatch(/^[0-9a-f]{64}$/);
    expect(edit.details?.oldTextHash).not.toEqual(edit.details?.newTextHash);
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prev).toBe(entries[i - 1]!.hash);
    expect(await auditHead(open.vault)).toBe(entries.at(-1)!.hash);
    expect(await verifyAudit(open.vault)).toMatchObject({ ok: true, entries: 14, problems: [] });
    // Sealed: neither the action names nor the meeting's words are readable on disk.
    expect(plaintextHits(vaultDir, ['segment.edited', 'export.meeting', 'Jeanne'])).toEqual([]);
  });

  it('names an entry whose bytes were flipped', async () => {
    await open.vault.lock();
    const path = auditPath(open.vault);
    const all = frames(path);
    const bytes = readFileSync(path);
    const at = all.slice(0, 6).reduce((n, f) => n + f.length, 0) + 20;
    bytes[at] = bytes[at]! ^ 1;
    writeFileSync(path, bytes);
    open = await openTestVault(vaultDir);
    const report = await verifyAudit(open.vault);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.message)).toContain(
      "entry 7 was changed (it no longer opens with the trail's key)",
    );
  });

  it('names an entry rewritten by someone holding the key, and the one after it', async () => {
    const path = auditPath(open.vault);
    const key = await auditKey(open.vault);
    const all = frames(path);
    const entries = await readAudit(open.vault);
    // The body changed and sealed again with a correct hash: the next entry no longer follows it.
    const { hash: _hash, ...body } = entries[8]!;
    const forged = sealEntry(key, JSON.stringify({ ...body, details: { format: 'docx', n: 99 } }));
    writeFileSync(path, Buffer.concat([...all.slice(0, 8), forged, ...all.slice(9)]));
    expect((await verifyAudit(open.vault)).problems.map((p) => p.message)).toEqual([
      'entry 9 was changed (entry 10 no longer follows it)',
    ]);
    // The same change keeping the stored hash: the entry itself does not match it.
    const sealed = seal(
      key,
      Buffer.from(entries[8]!.hash + JSON.stringify({ ...body, details: { n: 99 } })),
      'greffier:audit-entry:v1',
    );
    const frame = Buffer.concat([Buffer.alloc(4), sealed]);
    frame.writeUInt32BE(sealed.length, 0);
    writeFileSync(path, Buffer.concat([...all.slice(0, 8), frame, ...all.slice(9)]));
    expect((await verifyAudit(open.vault)).problems.map((p) => p.message)).toEqual([
      'entry 9 was changed (its content does not match its hash)',
    ]);
  });

  it('names a removed entry and two swapped ones', async () => {
    await open.vault.lock();
    const path = auditPath(open.vault);
    const all = frames(path);
    writeFileSync(path, Buffer.concat([...all.slice(0, 4), ...all.slice(5)]));
    open = await openTestVault(vaultDir);
    let report = await verifyAudit(open.vault);
    expect(report.problems.map((p) => p.message)).toEqual(['entry 5 is missing']);
    await open.vault.lock();

    const again = frames(path);
    // The open above and its lock added entries at the end; 9 and 10 (positions 8 and 9 now) swap.
    writeFileSync(
      path,
      Buffer.concat([...again.slice(0, 8), again[9]!, again[8]!, ...again.slice(10)]),
    );
    open = await openTestVault(vaultDir);
    report = await verifyAudit(open.vault);
    expect(report.problems.map((p) => p.message)).toEqual([
      'entry 5 is missing',
      'entries 10 and 11 were swapped',
    ]);
  });

  it('sees a tail cut off against the sealed head', async () => {
    await open.vault.lock();
    const path = auditPath(open.vault);
    const all = frames(path);
    writeFileSync(path, Buffer.concat(all.slice(0, all.length - 3)));
    open = await openTestVault(vaultDir);
    const report = await verifyAudit(open.vault);
    expect(report.ok).toBe(false);
    // The open that verifies appends to the sealed head: the cut shows as a gap before it.
    expect(report.problems.map((p) => p.message)).toEqual([
      `entries ${all.length - 2} to ${all.length} are missing`,
    ]);
  });

  it('stays readable and intact across a passphrase change (its key is a vault secret)', async () => {
    const next = Buffer.from('une toute nouvelle phrase secrète du greffe');
    await open.vault.changePassphrase(next, { N: 2 ** 10, r: 8, p: 1 });
    await appendAudit(open.vault, { action: 'vault.passphrase-changed' });
    await open.vault.lock();
    open = await openVault(vaultDir, next, { autoLockMinutes: 0 });
    const report = await verifyAudit(open.vault);
    expect(report).toMatchObject({ ok: true });
    expect((await readAudit(open.vault)).map((e) => e.action)).toContain(
      'vault.passphrase-changed',
    );
  });

  it('says so when the sealed head is damaged, even after it is written again', async () => {
    await open.vault.lock();
    writeFileSync(headPath(open.vault), Buffer.alloc(60, 7));
    open = await openTestVault(vaultDir);
    const message =
      'the sealed head of the trail is damaged: entries cut off its end cannot be seen';
    expect((await verifyAudit(open.vault)).problems.map((p) => p.message)).toEqual([message]);
    await appendAudit(open.vault, { action: 'settings.changed' });
    expect((await verifyAudit(open.vault)).problems.map((p) => p.message)).toEqual([message]);
  });

  it('keeps failed unlocks for the next unlock, and the CLI shows and verifies the trail', async () => {
    await open.vault.lock();
    const env = { ...process.env, GREFFIER_HOME: dir.path };
    const wrong = `${dir.path}/wrong`;
    writeFileSync(wrong, 'not the passphrase at all');
    const good = `${dir.path}/good`;
    writeFileSync(good, TEST_PASSPHRASE);
    const failed = await runGreffier(env, ['audit', 'show', '--passphrase-file', wrong]);
    expect(failed.code).toBe(1);
    const shown = await runGreffier(env, ['audit', 'show', '--json', '--passphrase-file', good]);
    expect(shown.stderr).toBe('');
    const entries = JSON.parse(shown.stdout) as { action: string }[];
    expect(entries.map((e) => e.action).slice(-2)).toEqual(['vault.unlock-failed', 'vault.opened']);
    const verified = await runGreffier(env, ['audit', 'verify', '--passphrase-file', good]);
    expect(verified.stdout).toMatch(/^audit trail intact: \d+ entries/);
    expect(verified.code).toBe(0);
    open = await openTestVault(vaultDir);
  });
});
