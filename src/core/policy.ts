import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { GreffierError } from './errors.js';
import { FinalDecodingChoiceSchema } from '../shared/meetings.js';

/**
 * The machine policy: what IT decides for every user of a PC, in one JSON
 * file that users can read but not write (/etc/greffier/policy.json,
 * %ProgramData%\Greffier\policy.json). Both doors read it through here; a
 * file that does not match the schema stops them with the field's name
 * rather than being half-applied. GREFFIER_POLICY points elsewhere for tests
 * and development (a packaged app drops it, see src/main/security.ts).
 */
const Sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'expected a SHA-256 of 64 hexadecimal digits')
  .transform((value) => value.toLowerCase());

const AbsolutePath = z
  .string()
  .min(1)
  .refine((value) => isAbsolute(value), 'expected an absolute path');

export const MachinePolicySchema = z
  .object({
    /** Where the vault lives for every user (instead of GREFFIER_HOME/vault). */
    vaultFolder: AbsolutePath.optional(),
    /** Raises the passphrase minimum (never below the built-in 12). */
    minPassphraseLength: z.number().int().min(12).max(1024).optional(),
    /** Locks an idle vault after this many minutes; users cannot change it. */
    autoLockMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .optional(),
    /** Only model files with one of these SHA-256s may be installed or loaded. */
    allowedModelSha256: z.array(Sha256).optional(),
    /** A folder of models imported into a new vault when it is created. */
    modelsFolder: AbsolutePath.optional(),
    /** The UI language, whatever the system says. */
    uiLanguage: z.enum(['fr', 'en']).optional(),
    /** Features turned off for everyone. */
    featuresOff: z.array(z.enum(['spokenAnswers', 'exports'])).optional(),
    /** The final transcription pass's decoding (docs/architecture.md); users cannot change it. */
    finalDecoding: FinalDecodingChoiceSchema.optional(),
  })
  .strict();

export type MachinePolicy = z.infer<typeof MachinePolicySchema>;
export type PolicyFeature = NonNullable<MachinePolicy['featuresOff']>[number];

/** Where this machine's policy file is: GREFFIER_POLICY, else the system location. */
export function policyPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GREFFIER_POLICY) return env.GREFFIER_POLICY;
  if (process.platform === 'win32') {
    return join(env.ProgramData ?? 'C:\\ProgramData', 'Greffier', 'policy.json');
  }
  return '/etc/greffier/policy.json';
}

function invalid(path: string, field: string, why: string): GreffierError {
  return new GreffierError(
    'policy-invalid',
    `politique machine invalide (${path}), champ «\u202f${field}\u202f»\u202f: ${why} / invalid machine policy (${path}), field "${field}": ${why}`,
    {
      hint: `corrigez ce champ ou retirez le fichier (administrateur) / fix this field or remove the file (administrator)`,
    },
  );
}

/**
 * The policy in force: an empty one when the file does not exist. Read at
 * each call (a few hundred bytes) so a corrected file takes effect without
 * any cache to clear. Throws 'policy-invalid' naming the first bad field.
 */
export function machinePolicy(env: NodeJS.ProcessEnv = process.env): MachinePolicy {
  const path = policyPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    throw invalid(path, '(file)', `unreadable (${code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(path, '(file)', `not JSON (${(error as Error).message})`);
  }
  const parsed = MachinePolicySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = [...issue.path, ...keys].map(String).join('.') || '(root)';
    throw invalid(path, field, issue.message);
  }
  return parsed.data;
}

/** The one line a door prints before refusing to start, or undefined when the policy is sound. */
export function machinePolicyProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    machinePolicy(env);
    return undefined;
  } catch (error) {
    if (error instanceof GreffierError) return error.oneLine();
    throw error;
  }
}

/** Throws 'policy-feature-off' when IT turned `feature` off on this machine. */
export function requireFeature(feature: PolicyFeature, env: NodeJS.ProcessEnv): void {
  if (machinePolicy(env).featuresOff?.includes(feature)) {
    throw new GreffierError(
      'policy-feature-off',
      `${feature === 'exports' ? 'exports are' : 'spoken answers are'} turned off by this machine's policy (${policyPath(env)})`,
      { hint: 'ask your IT administrator' },
    );
  }
}

/** Throws 'policy-model-refused' when the policy lists allowed models and `sha256` is not one. */
export function requireAllowedModel(
  model: { path: string; sha256: string },
  env: NodeJS.ProcessEnv,
): void {
  const allowed = machinePolicy(env).allowedModelSha256;
  if (allowed && !allowed.includes(model.sha256.toLowerCase())) {
    throw new GreffierError(
      'policy-model-refused',
      `the model ${model.path} (SHA-256 ${model.sha256}) is not allowed by this machine's policy (${policyPath(env)})`,
      { hint: 'use a model your IT administrator listed in allowedModelSha256' },
    );
  }
}
