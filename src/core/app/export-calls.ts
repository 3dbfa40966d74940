import { MinutesSchema } from '../../shared/minutes.js';
import { readNotes } from '../meetings/notes.js';
import { requireFeature } from '../policy.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';
import {
  exportFileName,
  toDocx,
  toMarkdown,
  toPdf,
  toSrt,
  toVtt,
  type ExportableMeeting,
} from './exports.js';

const MIME = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pdf: 'application/pdf',
  md: 'text/markdown; charset=utf-8',
  srt: 'application/x-subrip; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
} as const;

/** Exports of one meeting (the file is written by the page, where the clerk chose it). */
export function exportCalls(session: AppSession): Handlers {
  const exportable = async (meetingId: string): Promise<ExportableMeeting> => {
    const { meetings } = session.vault;
    const detail = await meetings.get(meetingId);
    const minutes = MinutesSchema.safeParse(detail.summary);
    const { markers } = await readNotes(meetings, meetingId);
    return { ...detail, markers, ...(minutes.success ? { minutes: minutes.data } : {}) };
  };

  return {
    'export.meeting': async ({ meetingId, format }) => {
      requireFeature('exports', session.env);
      const meeting = await exportable(meetingId);
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
      return {
        fileName: exportFileName(meeting.title, format),
        mime: MIME[format],
        base64: bytes.toString('base64'),
      };
    },
  };
}
