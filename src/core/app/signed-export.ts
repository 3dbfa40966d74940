import { MinutesSchema } from '../../shared/minutes.js';
import { appendAudit } from '../audit/index.js';
import type { OpenVault } from '../meetings/index.js';
import { redactRecord } from '../redaction/index.js';
import { readNotes } from '../meetings/notes.js';
import { MinutesRecord } from '../record/approval.js';
import { signExport, type SignatureFile } from '../record/signature.js';
import { PART_HEADINGS } from './export-common.js';
import {
  exportFileName,
  toDocx,
  toMarkdown,
  toPdf,
  toSrt,
  toVtt,
  type ExportableMeeting,
} from './exports.js';

export type ExportFormatName = 'docx' | 'pdf' | 'md' | 'srt' | 'vtt';

/** The meeting as exported: approved minutes are the version approved, with its approval. */
export async function exportableMeeting(
  open: Pick<OpenVault, 'vault' | 'meetings'>,
  meetingId: string,
  record: MinutesRecord,
): Promise<{
  meeting: ExportableMeeting;
  approved?: Awaited<ReturnType<MinutesRecord['approval']>>;
}> {
  const { meetings } = open;
  const detail = await meetings.get(meetingId);
  const { markers } = await readNotes(meetings, meetingId);
  const approved = await record.approval(meetingId);
  const history = approved ? await record.history(meetingId) : undefined;
  const fixed = history?.versions.find((v) => v.version === approved?.version)?.minutes;
  const minutes = fixed
    ? { success: true as const, data: fixed }
    : MinutesSchema.safeParse(detail.summary);
  // Redactions are applied here, before any format: no export carries a hidden copy.
  const { summary: _raw, ...shown } = detail;
  const meeting: ExportableMeeting = await redactRecord(open, meetingId, {
    ...shown,
    markers,
    ...(minutes.success ? { minutes: minutes.data } : {}),
    ...(approved
      ? {
          approval: {
            approver: approved.approval.approver,
            approvedAt: approved.approval.approvedAt,
            fingerprint: approved.approval.fingerprint,
            version: approved.version,
          },
        }
      : {}),
  });
  return { meeting, ...(approved ? { approved } : {}) };
}

/**
 * One export of a meeting, both doors: the file's bytes, and when the minutes
 * are approved, its detached signature (to write as `<file>.sig.json`).
 */
export async function exportMeeting(
  open: Pick<OpenVault, 'vault' | 'meetings'>,
  meetingId: string,
  format: ExportFormatName,
  record = new MinutesRecord(open),
): Promise<{ fileName: string; bytes: Buffer; signature?: SignatureFile }> {
  const { meeting, approved } = await exportableMeeting(open, meetingId, record);
  const bytes =
    format === 'docx'
      ? await toDocx(meeting)
      : format === 'pdf'
        ? await toPdf(meeting)
        : Buffer.from(
            format === 'md'
              ? toMarkdown(meeting)
              : format === 'srt'
                ? toSrt(meeting)
                : toVtt(meeting),
            'utf8',
          );
  const fileName = exportFileName(meeting.title, format);
  const exported = (signed: boolean) =>
    appendAudit(open.vault, {
      action: 'export.meeting',
      meetingId,
      details: { what: 'meeting', format, fileName, signed },
    });
  if (!approved || (format !== 'md' && format !== 'docx' && format !== 'pdf')) {
    await exported(false);
    return { fileName, bytes };
  }
  const signature = await signExport(open.vault, {
    fileName,
    format,
    bytes,
    headings: PART_HEADINGS,
    meetingId,
    version: approved.version,
    approval: approved.approval,
  });
  await exported(true);
  return { fileName, bytes, signature };
}
