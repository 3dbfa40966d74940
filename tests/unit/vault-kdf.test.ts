// Finding 6 of issue 9: key-derivation parameters from a file (an archive
// header, vault.json) were used before any check: p=1000000 ran forever,
// N=2^21 took 13 s and 2 GB, odd values gave "unexpected failure".
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importArchive } from '../../src/core/meetings/archive.js';
import { openVault } from '../../src/core/meetings/index.js';
import { checkKdfParams, deriveKey } from '../../src/core/vault/crypto.js';
import { craftArchive } from '../helpers/archive.js';
import { createTestVault, tempDir, TEST_PASSPHRASE } from '../helpers/vault.js';

const home = tempDir('greffier-kdf-');
afterAll(() => home.remove());
const SALT = Buffer.alloc(16, 7).toString('base64');
const HOSTILE = [
  { name: 'scrypt', N: 2 ** 10, r: 8, p: 1_000_000, salt: SALT },
  { name: 'scrypt', N: 2 ** 21, r: 8, p: 1, salt: SALT },
  { name: 'scrypt', N: 1000, r: 8, p: 1, salt: SALT },
  { name: 'scrypt', N: 2 ** 10, r: 0, p: 1, salt: SALT },
  { name: 'scrypt', N: 2 ** 10, r: 8.5, p: 1, salt: SALT },
  { name: 'scrypt', N: 2 ** 14, r: 4096, p: 1, salt: SALT },
  { name: 'scrypt', N: 2 ** 10, r: 8, p: 1, salt: '' },
  { name: 'scrypt', N: 2 ** 10, r: 8, p: 1, salt: 'QQ==' },
  { name: 'scrypt', N: '1024', r: 8, p: 1, salt: SALT },
];

describe('key-derivation parameters are bounded before use', () => {
  it('refuses each hostile set with a clear error, at once', async () => {
    for (const kdf of HOSTILE) {
      expect(checkKdfParams(kdf), JSON.stringify(kdf)).toBeDefined();
      await expect(
        deriveKey(Buffer.from('x'), kdf as never),
        JSON.stringify(kdf),
      ).rejects.toMatchObject({ code: 'kdf-out-of-bounds' });
    }
    expect(checkKdfParams({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1, salt: SALT })).toBeUndefined();
  });

  it('an archive header with hostile parameters is refused as damaged; nothing imported', async () => {
    const { meetings, vault } = await createTestVault(join(home.path, 'to'));
    for (const kdf of HOSTILE) {
      const path = join(home.path, 'hostile.greffier');
      await craftArchive(path, Buffer.from('archive pass'), [], { kdf });
      await expect(
        importArchive(meetings, path, Buffer.from('archive pass')),
      ).rejects.toMatchObject({
        code: 'archive-damaged',
      });
    }
    expect(meetings.list()).toEqual([]);
    await vault.lock();
  });

  it('a vault.json with hostile parameters (checksum recomputed) is refused as damaged', async () => {
    const dir = join(home.path, 'vault');
    const { vault } = await createTestVault(dir);
    await vault.lock();
    const file = join(dir, 'vault.json');
    const original = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const kdf of HOSTILE) {
      const header: Record<string, unknown> = { ...original, kdf };
      const { format, version, vaultId, createdAt, wrappedMasterKey } = header;
      header.checksum = createHash('sha256')
        .update(JSON.stringify([format, version, vaultId, createdAt, kdf, wrappedMasterKey]))
        .digest('hex');
      writeFileSync(file, JSON.stringify(header));
      writeFileSync(`${file}.bak`, JSON.stringify(header));
      await expect(
        openVault(dir, Buffer.from(TEST_PASSPHRASE)),
        JSON.stringify(kdf),
      ).rejects.toMatchObject({
        code: 'vault-header-damaged',
      });
    }
  });
});
