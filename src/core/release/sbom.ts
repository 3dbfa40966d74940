/**
 * The bundle's bill of materials (CycloneDX JSON): the npm tree as
 * @cyclonedx/cyclonedx-npm writes it on the build machine, plus what npm
 * does not see — the whisper.cpp and llama.cpp engines and every model file
 * with its licence and SHA-256. `sbomProblems` is a focused structural check
 * of what CycloneDX 1.5+ requires (no schema download: the PCs are offline).
 */
export interface SbomHash {
  alg: string;
  content: string;
}

export interface SbomComponent {
  type: string;
  name: string;
  version?: string;
  'bom-ref'?: string;
  description?: string;
  licenses?: unknown[];
  hashes?: SbomHash[];
  purl?: string;
  externalReferences?: { type: string; url: string }[];
  evidence?: { licenses?: { license: { name?: string; text?: { content: string; encoding?: string } } }[] };
  [key: string]: unknown;
}

export interface Sbom {
  bomFormat: string;
  specVersion: string;
  serialNumber?: string;
  version: number;
  metadata?: { timestamp?: string; component?: SbomComponent; [key: string]: unknown };
  components?: SbomComponent[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
  [key: string]: unknown;
}

/** Component types of CycloneDX 1.5 (1.6 and 1.7 keep them). */
const COMPONENT_TYPES = new Set([
  'application',
  'framework',
  'library',
  'container',
  'platform',
  'operating-system',
  'device',
  'device-driver',
  'firmware',
  'file',
  'machine-learning-model',
  'data',
  'cryptographic-asset',
]);
const HASH_LENGTH: Record<string, number> = { 'SHA-256': 64, 'SHA-384': 96, 'SHA-512': 128, 'SHA-1': 40, MD5: 32 };

/** What is wrong with a CycloneDX 1.5+ JSON document, one line each (empty when sound). */
export function sbomProblems(bom: unknown): string[] {
  const problems: string[] = [];
  if (typeof bom !== 'object' || bom === null) return ['the SBOM is not a JSON object'];
  const doc = bom as Partial<Sbom>;
  if (doc.bomFormat !== 'CycloneDX') problems.push('bomFormat must be "CycloneDX"');
  const [major, minor] = String(doc.specVersion ?? '').split('.').map(Number);
  if (!(major === 1 && (minor ?? 0) >= 5)) problems.push(`specVersion ${doc.specVersion} is not 1.5 or later`);
  if (doc.serialNumber !== undefined && !/^urn:uuid:[0-9a-f-]{36}$/.test(doc.serialNumber)) {
    problems.push('serialNumber must be urn:uuid:<uuid>');
  }
  if (!Number.isInteger(doc.version) || (doc.version ?? 0) < 1) problems.push('version must be an integer ≥ 1');
  if (doc.metadata?.timestamp !== undefined && Number.isNaN(Date.parse(doc.metadata.timestamp))) {
    problems.push('metadata.timestamp is not a date-time');
  }
  const refs = new Set<string>();
  const all = [...(doc.metadata?.component ? [doc.metadata.component] : []), ...(doc.components ?? [])];
  for (const [i, c] of all.entries()) {
    const at = `component ${c?.name || i}`;
    if (!COMPONENT_TYPES.has(c?.type)) problems.push(`${at}: type "${c?.type}" is not a CycloneDX type`);
    if (typeof c?.name !== 'string' || c.name.length === 0) problems.push(`${at}: name is required`);
    const ref = c?.['bom-ref'];
    if (ref !== undefined) {
      if (refs.has(ref)) problems.push(`${at}: bom-ref "${ref}" is not unique`);
      refs.add(ref);
    }
    for (const h of c?.hashes ?? []) {
      const length = HASH_LENGTH[h.alg];
      if (!length) problems.push(`${at}: hash algorithm "${h.alg}" unknown`);
      else if (!new RegExp(`^[0-9a-f]{${length}}$`).test(h.content)) problems.push(`${at}: ${h.alg} is malformed`);
    }
    for (const l of c?.licenses ?? []) {
      const entry = l as { license?: { id?: string; name?: string }; expression?: string };
      if (!entry.expression && !entry.license?.id && !entry.license?.name) {
        problems.push(`${at}: a licence needs an id, a name or an expression`);
      }
    }
  }
  for (const d of doc.dependencies ?? []) {
    if (!refs.has(d.ref)) problems.push(`dependency "${d.ref}" names no component`);
    for (const on of d.dependsOn ?? []) {
      if (!refs.has(on)) problems.push(`dependency "${d.ref}" → "${on}" names no component`);
    }
  }
  return problems;
}

/** The first SHA-256 of a component, if it has one. */
export function componentSha256(component: SbomComponent): string | undefined {
  return component.hashes?.find((h) => h.alg === 'SHA-256')?.content;
}
