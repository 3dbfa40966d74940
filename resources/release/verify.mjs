#!/usr/bin/env node
// Greffier offline bundle check — one file, no dependency, any Node 18+.
// Vérification du paquet de livraison Greffier — un seul fichier, sans dépendance.
//
//   node verify.mjs [BUNDLE_DIR] --pubkey greffier-release.pub.pem
//
// 1. SHA256SUMS.sig must be an Ed25519 signature of SHA256SUMS by the key
//    given (carried apart from the bundle, e.g. printed in the admin guide).
// 2. Every file listed in SHA256SUMS must exist with that SHA-256.
// 3. No file may be in the bundle that SHA256SUMS does not list.
// Exit code 0 when all three hold, 1 otherwise (each file named), 2 for bad usage.
// The same check with OpenSSL 3 (no Node needed):
//   openssl pkeyutl -verify -pubin -inkey greffier-release.pub.pem -rawin \
//     -in SHA256SUMS -sigfile SHA256SUMS.sig && sha256sum -c SHA256SUMS
import { createHash, createPublicKey, verify } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

export const SUMS = 'SHA256SUMS';
export const SIGNATURE = 'SHA256SUMS.sig';

/** Every file under dir, relative with forward slashes, sorted. */
export function bundleFiles(dir) {
  const files = [];
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return files.sort();
}

export function sha256OfFile(path) {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}

/** SHA256SUMS lines as sha256sum writes them: "<hex>  <path>". */
export function parseSums(text) {
  const entries = new Map();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) throw new Error(`${SUMS}: unreadable line "${line.slice(0, 80)}"`);
    entries.set(match[2], match[1]);
  }
  return entries;
}

/**
 * Checks a bundle. Returns { ok, signature: 'good'|'bad'|'missing', problems }
 * where each problem is { file, problem: 'changed'|'missing'|'extra', detail }.
 */
export async function verifyBundle(dir, publicKeyPem) {
  const problems = [];
  const sumsPath = join(dir, SUMS);
  const sigPath = join(dir, SIGNATURE);
  if (!existsSync(sumsPath) || !existsSync(sigPath)) {
    return {
      ok: false,
      signature: 'missing',
      problems: [
        { file: existsSync(sumsPath) ? SIGNATURE : SUMS, problem: 'missing', detail: 'the bundle is incomplete' },
      ],
    };
  }
  const sums = readFileSync(sumsPath);
  const key = createPublicKey(publicKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the public key is not an Ed25519 key');
  const good = verify(null, sums, key, readFileSync(sigPath));
  const listed = parseSums(sums.toString('utf8'));
  for (const [file, expected] of listed) {
    const path = resolve(dir, file);
    if (!path.startsWith(resolve(dir) + sep)) {
      problems.push({ file, problem: 'changed', detail: 'path outside the bundle' });
    } else if (!existsSync(path)) {
      problems.push({ file, problem: 'missing', detail: 'listed in SHA256SUMS, not in the bundle' });
    } else {
      const actual = await sha256OfFile(path);
      if (actual !== expected) {
        problems.push({ file, problem: 'changed', detail: `SHA-256 ${actual}, expected ${expected}` });
      }
    }
  }
  for (const file of bundleFiles(dir)) {
    if (file !== SUMS && file !== SIGNATURE && !listed.has(file)) {
      problems.push({ file, problem: 'extra', detail: 'in the bundle, not in SHA256SUMS' });
    }
  }
  return { ok: good && problems.length === 0, signature: good ? 'good' : 'bad', problems };
}

const WORDS = {
  changed: 'CHANGED / MODIFIÉ',
  missing: 'MISSING / MANQUANT',
  extra: 'EXTRA / EN TROP',
};

/** The report a person reads: one line per file, then the verdict. */
export function reportLines(result) {
  const lines = [];
  if (result.signature === 'bad') {
    lines.push(`BAD SIGNATURE / SIGNATURE INVALIDE: ${SUMS} was not signed by this key / n’a pas été signé par cette clé`);
  }
  for (const p of result.problems) lines.push(`${WORDS[p.problem]}: ${p.file} (${p.detail})`);
  lines.push(
    result.ok
      ? 'OK: signature good, every file intact, nothing added / signature valide, fichiers intacts, rien d’ajouté'
      : 'FAILED / ÉCHEC: do not install this bundle / n’installez pas ce paquet',
  );
  return lines;
}

async function main(argv) {
  let dir = '.';
  let pubkey;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--pubkey') pubkey = argv[++i];
    else if (argv[i].startsWith('--pubkey=')) pubkey = argv[i].slice(9);
    else dir = argv[i];
  }
  if (!pubkey) {
    console.error('usage: node verify.mjs [BUNDLE_DIR] --pubkey KEY.pub.pem');
    return 2;
  }
  const result = await verifyBundle(resolve(dir), readFileSync(pubkey, 'utf8'));
  for (const line of reportLines(result)) (result.ok ? console.log : console.error)(line);
  return result.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`verify.mjs: ${error.message}`);
      process.exit(2);
    },
  );
}
