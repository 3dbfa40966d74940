import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { GreffierError } from '../errors.js';
import { resourcesRoot } from '../paths.js';

/**
 * The bundle check lives in one dependency-free file, resources/release/verify.mjs,
 * that travels inside every bundle (any Node runs it on the target PC); the
 * CLI's "release verify" loads that same file, so there is one check, not two.
 */
export interface BundleProblem {
  file: string;
  problem: 'changed' | 'missing' | 'extra';
  detail: string;
}

export interface BundleVerdict {
  ok: boolean;
  signature: 'good' | 'bad' | 'missing';
  problems: BundleProblem[];
}

export interface Verifier {
  SUMS: string;
  SIGNATURE: string;
  bundleFiles(dir: string): string[];
  verifyBundle(dir: string, publicKeyPem: string): Promise<BundleVerdict>;
  reportLines(verdict: BundleVerdict): string[];
}

export function verifierPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(resourcesRoot(env), 'release', 'verify.mjs');
}

export async function loadVerifier(env: NodeJS.ProcessEnv = process.env): Promise<Verifier> {
  const path = verifierPath(env);
  try {
    return (await import(pathToFileURL(path).href)) as Verifier;
  } catch (error) {
    throw new GreffierError('release-verify', `the bundle checker ${path} cannot be loaded`, {
      hint: 'reinstall Greffier, or run the verify.mjs inside the bundle with Node',
      cause: error,
    });
  }
}
