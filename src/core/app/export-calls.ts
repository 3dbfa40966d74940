import { MinutesRecord } from '../record/approval.js';
import { requireFeature } from '../policy.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';
import { exportMeeting } from './signed-export.js';

const MIME = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pdf: 'application/pdf',
  md: 'text/markdown; charset=utf-8',
  srt: 'application/x-subrip; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
} as const;

/**
 * Exports of one meeting (the file is written by the page, where the clerk
 * chose it); approved minutes come with their detached signature, which the
 * page saves beside the file as `<file>.sig.json`.
 */
export function exportCalls(session: AppSession): Handlers {
  return {
    'export.meeting': async ({ meetingId, format }) => {
      requireFeature('exports', session.env);
      const open = session.vault;
      const { fileName, bytes, signature } = await exportMeeting(
        open,
        meetingId,
        format,
        new MinutesRecord(open),
      );
      return {
        fileName,
        mime: MIME[format],
        base64: bytes.toString('base64'),
        ...(signature
          ? {
              signature: {
                fileName: `${fileName}.sig.json`,
                json: JSON.stringify(signature, null, 2),
              },
            }
          : {}),
      };
    },
  };
}
