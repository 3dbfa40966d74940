// Issue 15's "left": the vault closed the audit trail's file when it locked
// without waiting, so a descriptor on audit.log stayed open right after
// lock() resolved. Locking now waits for it: nothing under the vault's folder
// is open once lock() returns. Descriptors are read from /proc/self/fd
// (Linux; skipped elsewhere, saying why). The close itself runs on libuv's
// thread pool, which often wins the race with our read of /proc, so the
// process's file requests are also counted: none may still be under way once
// lock() resolves (that check fails every time without the wait).
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/core/audit/index.js';
import { noProcFds, openUnder } from '../helpers/open-files.js';
import { createTestVault, openTestVault, syntheticChunk, tempDir } from '../helpers/vault.js';

if (noProcFds) console.warn(`vault-open-files.test: skipped: ${noProcFds}`);
const dir = tempDir('greffier-vault-fds-');
afterAll(() => dir.remove());

/** File requests still under way (a FileHandle's close is one until its callback has run). */
function fileRequestsUnderWay(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'FSReqPromise').length;
}

describe.skipIf(noProcFds)('locking the vault closes its files', () => {
  it('nothing under the vault is open once lock() resolves (audit trail included)', async () => {
    const vaultDir = join(dir.path, 'vault');
    const created = await createTestVault(vaultDir);
    const meeting = await created.meetings.create({ title: 'Conseil' });
    await created.meetings.appendAudio(meeting.id, syntheticChunk(0));
    await created.meetings.finish(meeting.id);
    // The trail holds its file open between entries, while the vault is open.
    await appendAudit(created.vault, { action: 'vault.opened' });
    expect(openUnder(join(vaultDir, 'audit'))).not.toEqual([]);
    await created.vault.lock();
    expect(fileRequestsUnderWay()).toBe(0);
    expect(openUnder(vaultDir)).toEqual([]);

    // And again after an unlock, where the recording's finish was written by the lock itself.
    const again = await openTestVault(vaultDir);
    const open = await again.meetings.create({ title: 'Laissé ouvert' });
    await again.meetings.appendAudio(open.id, syntheticChunk(1));
    await again.vault.lock();
    expect(fileRequestsUnderWay()).toBe(0);
    expect(openUnder(vaultDir)).toEqual([]);
  });
});
