import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SealedStaging } from '../../src/core/app/import-staging.js';

/** The app's sealed upload: what is read back is what was sent; the disk holds none of it. */
describe('SealedStaging', () => {
  const upload = async (bytes: Buffer, chunks: number[]) => {
    const staging = new SealedStaging(bytes.length);
    let at = 0;
    for (let i = 0; at < bytes.length; i++) {
      const size = chunks[i % chunks.length]!;
      await staging.append(bytes.subarray(at, at + size));
      at += size;
    }
    return staging;
  };

  it('reads back any range, across blocks and the short last one', async () => {
    const bytes = randomBytes(3 * 64 * 1024 + 777);
    const staging = await upload(bytes, [1000, 70_000, 5]);
    try {
      expect(staging.complete).toBe(true);
      for (const [from, length] of [
        [0, 10],
        [65_530, 20],
        [100_000, 131_072],
        [bytes.length - 50, 500],
        [bytes.length, 10],
      ] as const) {
        const out = Buffer.alloc(length);
        const { bytesRead } = await staging.read(out, 0, length, from);
        expect(bytesRead).toBe(Math.max(0, Math.min(length, bytes.length - from)));
        expect(out.subarray(0, bytesRead).equals(bytes.subarray(from, from + bytesRead))).toBe(
          true,
        );
      }
      const disk = readFileSync(staging.filePath);
      expect(disk.includes(bytes.subarray(150_000, 150_032))).toBe(false);
    } finally {
      await staging.discard();
    }
    expect(existsSync(staging.filePath)).toBe(false);
  });

  it('refuses a block changed on disk, and more bytes than announced', async () => {
    const bytes = randomBytes(100_000);
    const staging = await upload(bytes, [100_000]);
    try {
      const disk = readFileSync(staging.filePath);
      disk[10] = disk[10]! ^ 0xff;
      writeFileSync(staging.filePath, disk);
      await expect(staging.read(Buffer.alloc(10), 0, 10, 0)).rejects.toThrow(/authentication/);
      const small = new SealedStaging(4);
      await expect(small.append(Buffer.alloc(5))).rejects.toMatchObject({ code: 'import-upload' });
      await small.discard();
    } finally {
      await staging.discard();
    }
  });
});
