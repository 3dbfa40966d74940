/**
 * Where a recording's bytes come from, read by position: a file handle
 * (`fs.promises.FileHandle` fits as it is) or something that is not a
 * plaintext file, such as the app's sealed staging of an upload
 * (core/app/import-staging.ts). Probing reads a few places (an MP4's "moov"
 * at the end, an Ogg file's last page); decoding reads it front to back.
 */
export interface ByteSource {
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
}

/** A source with its size, handed to the probe instead of a path. */
export interface SizedSource extends ByteSource {
  size: number;
}

/** Reads `source` front to back from `start` up to `end` (exclusive), `size` bytes at a time. */
export async function* sourceChunks(
  source: ByteSource,
  start: number,
  end: number,
  size: number,
): AsyncGenerator<Buffer> {
  let at = start;
  while (at < end) {
    const buffer = Buffer.alloc(Math.min(size, end - at));
    const { bytesRead } = await source.read(buffer, 0, buffer.length, at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
