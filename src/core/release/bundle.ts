import { execFile } from 'node:child_process';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { readEngineStamp, whisperCliStatus } from '../asr/engine.js';
import { GreffierError } from '../errors.js';
import { entryBySha256, loadCatalogue, cataloguePath } from '../models/catalogue.js';
import { sha256File } from '../models/verify.js';
import { projectRoot } from '../paths.js';
import { sbomProblems, type Sbom, type SbomComponent } from './sbom.js';
import { loadVerifier, verifierPath } from './verify.js';

const run = promisify(execFile);

export interface BundleOptions {
  out: string;
  /** PEM file of the organisation's Ed25519 private key. */
  signingKey: string;
  /** Model files to carry (every file of the folder). */
  models?: string;
  /** Installers electron-builder wrote (every file of the folder). */
  installers?: string;
  env?: NodeJS.ProcessEnv;
  onLog?: (line: string) => void;
}

export interface BundleResult {
  out: string;
  files: string[];
  models: { file: string; sha256: string; licence: string }[];
  sbomComponents: number;
  /** SHA-256 of the public key (DER): what IT compares with the fingerprint it was given. */
  keyFingerprint: string;
}

function keyProblem(path: string, why: string): GreffierError {
  return new GreffierError('release-key', `the signing key ${path} ${why}`, {
    hint: 'give --signing-key an Ed25519 private key in PEM (greffier release keygen, or openssl genpkey -algorithm ed25519)',
  });
}

function privateKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw keyProblem(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw keyProblem(path, 'is not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw keyProblem(path, `is ${key.asymmetricKeyType}, not Ed25519`);
  return key;
}

/** SHA-256 of a public key's DER (SPKI) form, in hex: its fingerprint. */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** A new Ed25519 key pair for signing bundles, as PEM (private PKCS#8, public SPKI). */
export function newSigningKeys(): { privatePem: string; publicPem: string; fingerprint: string } {
  const { privateKey: priv, publicKey: pub } = generateKeyPairSync('ed25519');
  return {
    privatePem: priv.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: pub.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: keyFingerprint(pub),
  };
}

async function copyFolderFiles(from: string, to: string, what: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(from, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
  } catch (error) {
    throw new GreffierError(
      'release-input',
      `the ${what} folder ${from} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { hint: `give --${what} an existing folder` },
    );
  }
  await mkdir(to, { recursive: true });
  for (const name of names) await copyFile(join(from, name), join(to, name));
  return names.sort();
}

/** A file name safe on every file system, for licence folders. */
const safe = (text: string) => text.replace(/[^A-Za-z0-9@._+-]/g, '_');

/**
 * The npm tree's SBOM from @cyclonedx/cyclonedx-npm (a development tool of
 * the build machine: the bundle is made there, never on the office PC),
 * licence texts gathered from each package.
 */
async function npmSbom(root: string): Promise<Sbom> {
  const bin = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'cyclonedx-npm.cmd' : 'cyclonedx-npm');
  if (!existsSync(bin)) {
    throw new GreffierError('release-sbom', 'the SBOM tool @cyclonedx/cyclonedx-npm is not installed', {
      hint: 'make bundles on the build machine, in the project folder after "npm ci"',
    });
  }
  const file = join(tmpdir(), `greffier-sbom-${randomUUID()}.json`);
  try {
    await run(
      bin,
      ['--omit', 'dev', '--spec-version', '1.6', '--flatten-components', '--gather-license-texts', '--output-file', file],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    );
    return JSON.parse(await readFile(file, 'utf8')) as Sbom;
  } catch (error) {
    throw new GreffierError('release-sbom', 'the npm SBOM could not be made', {
      hint: `run "npx cyclonedx-npm --omit dev" in ${root} to see why`,
      cause: error,
    });
  } finally {
    await rm(file, { force: true });
  }
}

/** Each component's gathered licence texts go to licenses/NAME@VERSION/ and leave the SBOM lighter. */
async function writeLicenceTexts(bom: Sbom, dir: string): Promise<void> {
  for (const c of bom.components ?? []) {
    const texts = c.evidence?.licenses ?? [];
    if (texts.length === 0) continue;
    const folder = join(dir, safe(`${c.group ? `${String(c.group)}+` : ''}${c.name}@${c.version ?? ''}`));
    await mkdir(folder, { recursive: true });
    for (const { license } of texts) {
      if (!license.text) continue;
      const name = safe((license.name ?? 'LICENSE').replace(/^file: /, ''));
      const bytes = Buffer.from(license.text.content, license.text.encoding === 'base64' ? 'base64' : 'utf8');
      await writeFile(join(folder, name), bytes);
    }
    delete c.evidence;
  }
}

function engineComponents(root: string, whisperSha256: string | undefined): SbomComponent[] {
  const stamp = readEngineStamp();
  const whisperVersion = stamp?.whisperCpp ?? 'unknown';
  let llamaTag = 'unknown';
  try {
    llamaTag = (
      JSON.parse(readFileSync(join(root, 'node_modules', 'node-llama-cpp', 'llama', 'llama.cpp.info.json'), 'utf8')) as {
        tag: string;
      }
    ).tag;
  } catch {
    // An unreadable info file leaves the version unknown; the component is still listed.
  }
  return [
    {
      type: 'application',
      name: 'whisper.cpp',
      version: whisperVersion,
      'bom-ref': `engine:whisper.cpp@${whisperVersion}`,
      description: 'whisper-cli, built from the source bundled with nodejs-whisper (speech to text)',
      licenses: [{ license: { id: 'MIT' } }],
      purl: `pkg:github/ggml-org/whisper.cpp@v${whisperVersion}`,
      ...(whisperSha256 ? { hashes: [{ alg: 'SHA-256', content: whisperSha256 }] } : {}),
    },
    {
      type: 'library',
      name: 'llama.cpp',
      version: llamaTag,
      'bom-ref': `engine:llama.cpp@${llamaTag}`,
      description: 'llama.cpp as prebuilt by node-llama-cpp (language model engine)',
      licenses: [{ license: { id: 'MIT' } }],
      purl: `pkg:github/ggml-org/llama.cpp@${llamaTag}`,
    },
  ];
}

/**
 * Writes a signed offline bundle into `out` (which must be new or empty):
 * installers, models, the SBOM, licence texts and verify.mjs, then
 * SHA256SUMS over all of them and its Ed25519 signature SHA256SUMS.sig.
 */
export async function makeBundle(options: BundleOptions): Promise<BundleResult> {
  const env = options.env ?? process.env;
  const log = options.onLog ?? (() => undefined);
  const key = privateKey(options.signingKey);
  if (existsSync(options.out) && (await readdir(options.out)).length > 0) {
    throw new GreffierError('release-input', `the bundle folder ${options.out} is not empty`, {
      hint: 'give --out a new or empty folder',
    });
  }
  await mkdir(options.out, { recursive: true });
  const root = projectRoot();
  if (options.installers) {
    const names = await copyFolderFiles(options.installers, join(options.out, 'installers'), 'installers');
    log(`installers: ${names.join(', ') || 'none'}`);
  }
  const catalogue = loadCatalogue(cataloguePath(env));
  const models: BundleResult['models'] = [];
  if (options.models) {
    for (const name of await copyFolderFiles(options.models, join(options.out, 'models'), 'models')) {
      const sha256 = await sha256File(join(options.out, 'models', name));
      const listed = entryBySha256(catalogue, sha256);
      models.push({ file: `models/${name}`, sha256, licence: listed?.licence ?? 'unknown' });
    }
    log(`models: ${models.map((m) => basename(m.file)).join(', ') || 'none'}`);
  }

  await copyFile(verifierPath(env), join(options.out, 'verify.mjs'));
  const { bundleFiles, SUMS, SIGNATURE } = await loadVerifier(env);

  log('SBOM: npm tree (cyclonedx-npm), engines, models');
  const bom = await npmSbom(root);
  await writeLicenceTexts(bom, join(options.out, 'licenses'));
  const whisperSource = join(root, 'node_modules', 'nodejs-whisper', 'cpp', 'whisper.cpp', 'LICENSE');
  if (existsSync(whisperSource)) {
    // llama.cpp and ggml carry the same MIT text, by the same authors (the ggml authors).
    for (const engine of ['whisper.cpp', 'llama.cpp']) {
      await mkdir(join(options.out, 'licenses', engine), { recursive: true });
      await copyFile(whisperSource, join(options.out, 'licenses', engine, 'LICENSE'));
    }
  }
  const engine = whisperCliStatus(env).path;
  const engineSha = engine ? await sha256File(engine) : undefined;
  const modelComponents: SbomComponent[] = models.map((m) => ({
    type: 'machine-learning-model',
    name: basename(m.file),
    'bom-ref': `model:${m.sha256}`,
    hashes: [{ alg: 'SHA-256', content: m.sha256 }],
    licenses: [{ license: { name: m.licence } }],
  }));
  bom.components = [...(bom.components ?? []), ...engineComponents(root, engineSha), ...modelComponents];
  bom.serialNumber = `urn:uuid:${randomUUID()}`;
  const problems = sbomProblems(bom);
  if (problems.length > 0) {
    throw new GreffierError('release-sbom', `the SBOM is not valid CycloneDX: ${problems.slice(0, 3).join('; ')}`, {
      hint: 'report this to the Greffier developers',
    });
  }
  await writeFile(join(options.out, 'sbom.cdx.json'), `${JSON.stringify(bom, null, 2)}\n`);

  // Checksums of everything, then the signature of the checksums: one signature covers all.
  const files = bundleFiles(options.out).filter((f) => f !== SUMS && f !== SIGNATURE);
  const lines: string[] = [];
  for (const file of files) lines.push(`${await sha256File(join(options.out, file))}  ${file}`);
  const sums = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  await writeFile(join(options.out, SUMS), sums);
  await writeFile(join(options.out, SIGNATURE), sign(null, sums, key));
  log(`signed ${files.length} files (${SUMS}, ${SIGNATURE})`);
  const size = (await stat(join(options.out, SUMS))).size;
  if (size !== sums.length) throw new Error('SHA256SUMS was not written whole');
  return {
    out: options.out,
    files,
    models,
    sbomComponents: bom.components.length,
    keyFingerprint: keyFingerprint(key),
  };
}
