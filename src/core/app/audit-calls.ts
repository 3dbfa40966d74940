import { readAudit, verifyAudit } from '../audit/index.js';
import { GreffierError } from '../errors.js';
import {
  addRedactions,
  eraseRedacted,
  listRedactions,
  removeRedaction,
  suggestRedactions,
} from '../redaction/index.js';
import {
  applyRetention,
  retentionOf,
  retentionPreview,
  setLegalHold,
  setMeetingRule,
} from '../retention/index.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';

function since(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const time = new Date(/^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00` : value);
  if (Number.isNaN(time.getTime())) {
    throw new GreffierError('bad-date', `"${value}" is not a date.`, {
      hint: 'Choose a day in the calendar.',
    });
  }
  return time.toISOString();
}

/**
 * The official record's audit trail, retention and redaction: the same core
 * calls as "greffier audit | retention | redact", for the Audit screen and
 * the meeting page.
 */
export function auditCalls(session: AppSession): Handlers {
  const changed = (meetingId: string) => session.dispatcher.emit('meeting.changed', { meetingId });
  return {
    'audit.list': async (filter) => {
      const from = since(filter.since);
      return readAudit(session.vault.vault, {
        ...(from ? { since: from } : {}),
        ...(filter.action ? { action: filter.action } : {}),
      });
    },
    'audit.verify': async () => verifyAudit(session.vault.vault),

    'retention.preview': async () =>
      retentionPreview(session.vault, await session.retentionSource()),
    'retention.apply': async () => {
      const plan = await applyRetention(session.vault, await session.retentionSource());
      for (const id of new Set(plan.items.map((i) => i.meetingId))) changed(id);
      return plan;
    },
    'retention.get': async ({ meetingId }) =>
      retentionOf(session.vault, meetingId, await session.retentionSource()),
    'retention.setRule': async ({ meetingId, rule }) => {
      await setMeetingRule(session.vault, meetingId, rule);
      changed(meetingId);
      return { ok: true };
    },
    'retention.hold': async ({ meetingId, on, note }) => {
      await setLegalHold(session.vault, meetingId, on, note);
      changed(meetingId);
      return { ok: true };
    },

    'redaction.list': async ({ meetingId }) => listRedactions(session.vault, meetingId),
    'redaction.suggest': async ({ meetingId }) => suggestRedactions(session.vault, meetingId),
    'redaction.add': async ({ meetingId, spans }) => {
      const added = await addRedactions(session.vault, meetingId, spans);
      changed(meetingId);
      return added;
    },
    'redaction.remove': async ({ meetingId, id }) => {
      await removeRedaction(session.vault, meetingId, id);
      changed(meetingId);
      return { ok: true };
    },
    'redaction.erase': async ({ meetingId }) => {
      const erased = await eraseRedacted(session.vault, meetingId);
      changed(meetingId);
      return { erased };
    },
  };
}
