import {
  createCipheriv,
  createDecipheriv,
  hkdfSync,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { z } from 'zod';
import { GreffierError } from '../errors.js';

/** AES-256-GCM: 32-byte key, fresh 96-bit nonce per write, 128-bit tag. */
export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/**
 * scrypt parameters. N=2^17, r=8 costs 128 MiB and ≈ 0.4 s on the 2-core
 * build machine (measured: 2^16 ≈ 0.22 s, under the 250 ms floor), so a
 * stolen disk costs an attacker that much per passphrase guess.
 */
export interface KdfParams {
  name: 'scrypt';
  N: number;
  r: number;
  p: number;
  /** base64 */
  salt: string;
}

export const DEFAULT_KDF = { N: 2 ** 17, r: 8, p: 1 } as const;

export function newKdfParams(cost: { N: number; r: number; p: number } = DEFAULT_KDF): KdfParams {
  return { name: 'scrypt', ...cost, salt: randomBytes(16).toString('base64') };
}

/**
 * Fixed bounds on parameters read from a file (vault.json, an archive
 * header), checked before any work: memory 128·N·r at most 256 MiB (twice
 * the default), work N·r·p at most four times the default, N a power of
 * two from 2^10, a 16 to 64-byte salt. A crafted file then costs at most
 * about 1.6 s and 256 MiB instead of running forever.
 */
export const KDF_BOUNDS = {
  minN: 2 ** 10,
  maxMemoryBytes: 256 * 1024 * 1024,
  maxWork: DEFAULT_KDF.N * DEFAULT_KDF.r * DEFAULT_KDF.p * 4,
  maxR: 32,
  maxP: 16,
  minSaltBytes: 16,
  maxSaltBytes: 64,
} as const;

/** What is wrong with a set of parameters, or undefined when they are inside the bounds. */
export function checkKdfParams(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return 'no key-derivation parameters';
  const { name, N, r, p, salt } = params as Record<string, unknown>;
  if (name !== 'scrypt') return `unknown key derivation "${String(name)}"`;
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
  if (!int(N) || N < KDF_BOUNDS.minN || (N & (N - 1)) !== 0) {
    return `scrypt N=${String(N)} is not a power of two from ${KDF_BOUNDS.minN}`;
  }
  if (!int(r) || r < 1 || r > KDF_BOUNDS.maxR) return `scrypt r=${String(r)} is out of bounds`;
  if (!int(p) || p < 1 || p > KDF_BOUNDS.maxP) return `scrypt p=${String(p)} is out of bounds`;
  if (128 * N * r > KDF_BOUNDS.maxMemoryBytes) {
    return `scrypt N=${N} r=${r} would need ${(128 * N * r) / 2 ** 20} MiB (at most ${KDF_BOUNDS.maxMemoryBytes / 2 ** 20})`;
  }
  if (N * r * p > KDF_BOUNDS.maxWork) return `scrypt N=${N} r=${r} p=${p} is too much work`;
  if (typeof salt !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(salt))
    return 'the salt is not base64';
  const saltBytes = Buffer.from(salt, 'base64').length;
  if (saltBytes < KDF_BOUNDS.minSaltBytes || saltBytes > KDF_BOUNDS.maxSaltBytes) {
    return `the salt has ${saltBytes} bytes (${KDF_BOUNDS.minSaltBytes} to ${KDF_BOUNDS.maxSaltBytes} expected)`;
  }
  return undefined;
}

/**
 * Scrypt parameters as stored in vault.json and in archive headers, checked
 * before any work: a crafted header must not cost minutes and gigabytes.
 */
export const KdfParamsSchema = z
  .object({
    name: z.literal('scrypt'),
    N: z.number(),
    r: z.number(),
    p: z.number(),
    salt: z.string(),
  })
  .refine((kdf) => checkKdfParams(kdf) === undefined, 'key-derivation parameters out of bounds');

/** Derives the key-wrapping key from a passphrase; the caller zeroes the result. */
export function deriveKey(passphrase: Buffer, params: KdfParams): Promise<Buffer> {
  const problem = checkKdfParams(params);
  if (problem) {
    return Promise.reject(
      new GreffierError('kdf-out-of-bounds', `refused key-derivation parameters: ${problem}`, {
        hint: 'the file that holds them was altered or damaged: restore it from a backup copy',
      }),
    );
  }
  // scrypt needs 128·N·r bytes; Node refuses above 32 MiB unless maxmem says so.
  const maxmem = 128 * params.N * params.r + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase,
      Buffer.from(params.salt, 'base64'),
      KEY_BYTES,
      { N: params.N, r: params.r, p: params.p, maxmem },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** A purpose-bound subkey, so the catalogue and blobs never share a key with key wrapping. */
export function subkey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `greffier:${purpose}`, KEY_BYTES));
}

export class AuthenticationError extends Error {
  constructor() {
    super('authentication failed');
    this.name = 'AuthenticationError';
  }
}

/** nonce ‖ ciphertext ‖ tag, with `aad` bound so a sealed record cannot be moved elsewhere. */
export function seal(key: Buffer, plaintext: Uint8Array, aad: string | Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(typeof aad === 'string' ? Buffer.from(aad) : aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([nonce, body, final, cipher.getAuthTag()]);
}

/** Opens what `seal` produced; throws AuthenticationError on any change to bytes or aad. */
export function open(key: Buffer, sealed: Uint8Array, aad: string | Buffer): Buffer {
  if (sealed.length < SEAL_OVERHEAD) throw new AuthenticationError();
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const nonce = buf.subarray(0, NONCE_BYTES);
  const tag = buf.subarray(buf.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(typeof aad === 'string' ? Buffer.from(aad) : aad);
  decipher.setAuthTag(tag);
  try {
    const body = decipher.update(buf.subarray(NONCE_BYTES, buf.length - TAG_BYTES));
    return Buffer.concat([body, decipher.final()]);
  } catch {
    throw new AuthenticationError();
  }
}

/** A key wrapped by another, stored as base64 text in JSON records. */
export function wrapKey(wrappingKey: Buffer, key: Buffer, aad: string): string {
  return seal(wrappingKey, key, aad).toString('base64');
}

export function unwrapKey(wrappingKey: Buffer, wrapped: string, aad: string): Buffer {
  return open(wrappingKey, Buffer.from(wrapped, 'base64'), aad);
}

export function newKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** Overwrites key material in place; done on lock so keys do not linger in the heap. */
export function zero(...buffers: (Buffer | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
