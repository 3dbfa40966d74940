import { inflateRawSync } from 'node:zlib';
import { GreffierError } from '../errors.js';

function unreadable(what: string): GreffierError {
  return new GreffierError('export-unreadable', `this DOCX file cannot be read: ${what}`, {
    hint: 'check that it is the file Greffier exported (a DOCX is a ZIP archive)',
  });
}

/**
 * One member of a ZIP archive (a DOCX), read through its central directory:
 * enough to check an export offline without a ZIP dependency.
 */
export function zipEntry(zip: Buffer, name: string): Buffer | undefined {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > zip.length) throw unreadable('no ZIP directory');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) throw unreadable('bad entry');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + skip;
    if (entryName !== name) continue;
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50) {
      throw unreadable(`bad header for ${name}`);
    }
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    if (method === 0) return Buffer.from(data);
    if (method === 8) return inflateRawSync(data);
    throw unreadable(`${name} uses compression method ${method}`);
  }
  return undefined;
}
