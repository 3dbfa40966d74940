import { GreffierError } from '../errors.js';
import { MinutesRecord } from '../record/approval.js';
import { restoreMinutes } from '../record/drafts.js';
import { exportFormatOf } from '../record/export-text.js';
import { parseSignatureFile, verifyExport } from '../record/signature.js';
import { PART_HEADINGS } from './export-common.js';
import { listKeys } from '../record/keys.js';
import { Templates } from '../record/templates.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';

/** The official record in the app: approval steps, history, keys and templates. */
export function recordCalls(session: AppSession): Handlers {
  const record = () => new MinutesRecord(session.vault);
  const changed = (meetingId: string) => {
    session.dispatcher.emit('meeting.changed', { meetingId });
    return { ok: true as const };
  };
  return {
    'record.history': async ({ meetingId }) => record().history(meetingId),
    'record.submit': async ({ meetingId, by }) => {
      await record().submit(meetingId, by);
      return changed(meetingId);
    },
    'record.approve': async ({ meetingId, approver, keyFingerprint }) => {
      await record().approve(meetingId, {
        approver,
        ...(keyFingerprint ? { keyFingerprint } : {}),
      });
      return changed(meetingId);
    },
    'record.return': async ({ meetingId, by, comment }) => {
      await record().returnMinutes(meetingId, by ?? '', comment);
      return changed(meetingId);
    },
    'record.correct': async ({ meetingId, by, reason }) => {
      await record().correct(meetingId, { reason, ...(by ? { by } : {}) });
      return changed(meetingId);
    },
    'record.restore': async ({ meetingId, from }) => {
      await restoreMinutes(session.vault, meetingId, from);
      return changed(meetingId);
    },
    'record.verify': async ({ fileName, base64, signature, publicKeyPem }) => {
      const format = exportFormatOf(fileName);
      if (!format) {
        throw new GreffierError(
          'export-format',
          `${fileName} is not a PDF, DOCX or Markdown export`,
          {
            hint: 'Choose the exported file itself, then its .sig.json.',
          },
        );
      }
      return verifyExport(
        Buffer.from(base64, 'base64'),
        parseSignatureFile(signature, 'the .sig.json'),
        {
          headings: PART_HEADINGS,
          ...(publicKeyPem ? { trustedKeyPem: publicKeyPem } : {}),
        },
      );
    },
    'keys.list': async () => listKeys(session.vault.vault),
    'templates.list': async () => new Templates(session.vault.vault).list(),
    'templates.copy': async ({ from, id }) => new Templates(session.vault.vault).copy(from, id),
    'templates.save': async ({ template }) => new Templates(session.vault.vault).save(template),
    'templates.remove': async ({ id }) => {
      await new Templates(session.vault.vault).remove(id);
      return { ok: true };
    },
  };
}
