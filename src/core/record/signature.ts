import { createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import { GreffierError } from '../errors.js';
import type { Vault } from '../vault/vault.js';
import type { Approval, VerifyReport } from '../../shared/record.js';
import { canonicalJson, sha256 } from './hash.js';
import { exportPartHashes, type ExportFormat, type PartHeadings } from './export-text.js';
import { keyFingerprint, shortFingerprint, signWith } from './keys.js';

/**
 * The detached `<file>.sig.json` of a signed export. Everything in it but the
 * signature is signed (canonical JSON), so the file and this alone are enough
 * to check an export offline: the file's SHA-256, each part's SHA-256 as read
 * back from the file (to name what changed), and the approval it carries.
 */
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
export const SignatureFileSchema = z.object({
  format: z.literal('greffier-signature/1'),
  file: z.object({ name: z.string(), format: z.enum(['md', 'docx', 'pdf']), sha256: Hex64 }),
  parts: z.object({ minutes: Hex64, transcript: Hex64 }),
  record: z.object({
    meetingId: z.string(),
    version: z.number().int().positive(),
    approver: z.string(),
    approvedAt: z.string(),
    minutesSha256: Hex64,
    transcriptSha256: Hex64,
    chainHead: z.string().optional(),
  }),
  key: z.object({ algorithm: z.literal('ed25519'), fingerprint: Hex64, publicKeyPem: z.string() }),
  signedAt: z.string(),
  signature: z.string().min(1),
});
export type SignatureFile = z.infer<typeof SignatureFileSchema>;

export function signaturePath(exportPath: string): string {
  return `${exportPath}.sig.json`;
}

export async function signExport(
  vault: Vault,
  input: {
    fileName: string;
    format: ExportFormat;
    bytes: Buffer;
    headings: PartHeadings[];
    meetingId: string;
    version: number;
    approval: Approval;
  },
): Promise<SignatureFile> {
  const { approval } = input;
  const unsigned: Omit<SignatureFile, 'signature'> = {
    format: 'greffier-signature/1',
    file: { name: input.fileName, format: input.format, sha256: sha256(input.bytes) },
    parts: await exportPartHashes(input.format, input.bytes, input.headings),
    record: {
      meetingId: input.meetingId,
      version: input.version,
      approver: approval.approver,
      approvedAt: approval.approvedAt,
      minutesSha256: approval.minutesSha256,
      transcriptSha256: approval.transcriptSha256,
      ...(approval.chainHead ? { chainHead: approval.chainHead } : {}),
    },
    key: {
      algorithm: 'ed25519',
      fingerprint: approval.fingerprint,
      publicKeyPem: approval.publicKeyPem,
    },
    signedAt: new Date().toISOString(),
  };
  const signature = await signWith(
    vault,
    approval.fingerprint,
    Buffer.from(canonicalJson(unsigned)),
  );
  return { ...unsigned, signature };
}

export type { VerifyReport };

export function parseSignatureFile(text: string, where: string): SignatureFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GreffierError('signature-unreadable', `${where} is not JSON`, {
      hint: 'give the .sig.json written beside the export',
      cause: error,
    });
  }
  const parsed = SignatureFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GreffierError(
      'signature-unreadable',
      `${where} is not a Greffier signature: ${issue?.path.join('.') || 'file'}: ${issue?.message}`,
      { hint: 'give the .sig.json written beside the export' },
    );
  }
  return parsed.data;
}

/**
 * Checks an export against its signature file: the key, the signature over
 * the signature file, then the file's bytes, naming the part that changed.
 */
export async function verifyExport(
  bytes: Buffer,
  sig: SignatureFile,
  options: { headings: PartHeadings[]; trustedKeyPem?: string },
): Promise<VerifyReport> {
  const problems: VerifyReport['problems'] = [];
  const claimed = sig.key.fingerprint;
  let keyPem = sig.key.publicKeyPem;
  let embedded: string | undefined;
  try {
    embedded = keyFingerprint(sig.key.publicKeyPem);
  } catch {
    embedded = undefined;
  }
  if (embedded !== claimed) {
    problems.push({
      part: 'key',
      message: `key: the public key in the signature file is not the one its fingerprint ${shortFingerprint(claimed)} names`,
    });
  }
  if (options.trustedKeyPem !== undefined) {
    const trusted = keyFingerprint(options.trustedKeyPem);
    keyPem = options.trustedKeyPem;
    if (trusted !== claimed) {
      problems.push({
        part: 'key',
        message: `key: signed with key ${shortFingerprint(claimed)}, not with the key you gave (${shortFingerprint(trusted)})`,
      });
    }
  }
  const { signature, ...unsigned } = sig;
  let valid: boolean;
  try {
    valid = verify(
      null,
      Buffer.from(canonicalJson(unsigned)),
      createPublicKey(keyPem),
      Buffer.from(signature, 'base64'),
    );
  } catch {
    valid = false;
  }
  if (!valid) {
    problems.push({
      part: 'signature',
      message:
        'signature: the signature does not match the signature file (it was altered, or made with another key)',
    });
  }
  if (sha256(bytes) !== sig.file.sha256) {
    const parts = await exportPartHashes(sig.file.format, bytes, options.headings).catch(
      () => undefined,
    );
    if (parts && parts.minutes !== sig.parts.minutes) {
      problems.push({
        part: 'minutes',
        message: 'minutes hash: the minutes in this file are not the ones signed',
      });
    }
    if (parts && parts.transcript !== sig.parts.transcript) {
      problems.push({
        part: 'transcript',
        message: 'transcript hash: the transcript in this file is not the one signed',
      });
    }
    if (
      !parts ||
      (parts.minutes === sig.parts.minutes && parts.transcript === sig.parts.transcript)
    ) {
      problems.push({
        part: 'file',
        message:
          'file hash: the file changed outside the minutes and the transcript (title, date or approval block)',
      });
    }
  }
  return {
    ok: problems.length === 0,
    problems,
    signer: {
      approver: sig.record.approver,
      approvedAt: sig.record.approvedAt,
      fingerprint: claimed,
      version: sig.record.version,
    },
    keyTrusted: options.trustedKeyPem !== undefined && !problems.some((p) => p.part === 'key'),
  };
}
