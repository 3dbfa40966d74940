import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GreffierError, UsageError } from '../../core/errors.js';
import { makeBundle, newSigningKeys } from '../../core/release/bundle.js';
import { loadVerifier } from '../../core/release/verify.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';

/** The offline release: signed bundles for disconnected PCs (docs/admin-guide.md). */

const bundleUsage = `
Usage: greffier release bundle --out DIR --signing-key KEY.pem [--models DIR] [--installers DIR]

On the build machine (project folder): writes a bundle IT carries to the
disconnected PCs — installers, models, sbom.cdx.json (CycloneDX), licenses/,
verify.mjs, SHA256SUMS and SHA256SUMS.sig (Ed25519 signature of SHA256SUMS).

Options:
  --out <dir>           new or empty folder to write the bundle into
  --signing-key <file>  the organisation's Ed25519 private key (PEM)
  --models <dir>        model files to carry (every file of the folder)
  --installers <dir>    installers to carry (e.g. release/ after "npm run release")
`;

const verifyUsage = `
Usage: greffier release verify DIR --pubkey KEY.pub.pem

Checks a bundle on the target PC: the signature of SHA256SUMS by this public
key, then every file against SHA256SUMS. Any changed, missing or extra file is
named. Exit 0 when all is intact, 1 otherwise. Without Greffier, the bundle's
own verify.mjs does the same (node verify.mjs DIR --pubkey F), or OpenSSL:
  openssl pkeyutl -verify -pubin -inkey KEY.pub.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig
  sha256sum -c SHA256SUMS
`;

const keygenUsage = `
Usage: greffier release keygen --out PREFIX

Writes a new Ed25519 key pair for signing bundles: PREFIX.pem (private: keep
it on the build machine, readable by you only) and PREFIX.pub.pem (public:
give it to every site with its fingerprint, printed here).
`;

export const releaseBundleCommand: Command = {
  path: ['release', 'bundle'],
  summary: 'write a signed offline bundle (installers, models, SBOM, licences, verify.mjs)',
  usage: bundleUsage,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      argv,
      {
        out: { type: 'string' },
        'signing-key': { type: 'string' },
        models: { type: 'string' },
        installers: { type: 'string' },
      },
      false,
    );
    if (!values.out) throw new UsageError('release bundle needs --out DIR');
    if (!values['signing-key']) throw new UsageError('release bundle needs --signing-key KEY.pem');
    const result = await makeBundle({
      out: resolve(values.out),
      signingKey: resolve(values['signing-key']),
      ...(values.models ? { models: resolve(values.models) } : {}),
      ...(values.installers ? { installers: resolve(values.installers) } : {}),
      env: io.env,
      onLog: (line) => writeLine(io.stderr, `greffier: ${line}`),
    });
    writeLine(io.stdout, `bundle written to ${result.out} (${result.files.length} files signed)`);
    writeLine(
      io.stdout,
      `signing key fingerprint (SHA-256 of the public key): ${result.keyFingerprint}`,
    );
  },
};

export const releaseVerifyCommand: Command = {
  path: ['release', 'verify'],
  summary: 'check a bundle: signature, then every file (changed, missing, extra)',
  usage: verifyUsage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { pubkey: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('release verify takes one bundle folder');
    if (!values.pubkey) throw new UsageError('release verify needs --pubkey KEY.pub.pem');
    const dir = resolve(positionals[0]!);
    if (!existsSync(dir)) {
      throw new GreffierError('release-input', `there is no bundle at ${dir}`, {
        hint: 'give the folder that holds SHA256SUMS',
      });
    }
    let pem: string;
    try {
      pem = readFileSync(values.pubkey, 'utf8');
    } catch {
      throw new GreffierError('release-key', `the public key ${values.pubkey} cannot be read`, {
        hint: 'give --pubkey the .pub.pem file IT distributed',
      });
    }
    const verifier = await loadVerifier(io.env);
    const verdict = await verifier.verifyBundle(dir, pem);
    const lines = verifier.reportLines(verdict);
    if (verdict.ok) {
      for (const line of lines) writeLine(io.stdout, line);
      return;
    }
    for (const line of lines.slice(0, -1)) writeLine(io.stderr, line);
    throw new GreffierError(
      'release-verify',
      `the bundle in ${dir} failed verification (${verdict.problems.length} file(s)${verdict.signature === 'good' ? '' : `, signature ${verdict.signature}`})`,
      { hint: 'do not install it: copy the bundle again from the build machine' },
    );
  },
};

export const releaseKeygenCommand: Command = {
  path: ['release', 'keygen'],
  summary: 'write a new Ed25519 key pair for signing bundles',
  usage: keygenUsage,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { out: { type: 'string' } }, false);
    if (!values.out) throw new UsageError('release keygen needs --out PREFIX');
    const prefix = resolve(values.out);
    if (existsSync(`${prefix}.pem`)) {
      throw new GreffierError('release-key', `${prefix}.pem already exists`, {
        hint: 'choose another --out, or keep the key you have',
      });
    }
    const keys = newSigningKeys();
    writeFileSync(`${prefix}.pem`, keys.privatePem, { mode: 0o600, flag: 'wx' });
    writeFileSync(`${prefix}.pub.pem`, keys.publicPem, { mode: 0o644 });
    writeLine(io.stdout, `private key: ${prefix}.pem (keep it secret)`);
    writeLine(io.stdout, `public key: ${prefix}.pub.pem`);
    writeLine(io.stdout, `fingerprint: ${keys.fingerprint}`);
  },
};

export const releaseCommands: Command[] = [
  releaseBundleCommand,
  releaseVerifyCommand,
  releaseKeygenCommand,
];
