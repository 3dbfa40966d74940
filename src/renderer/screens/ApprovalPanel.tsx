import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { MeetingDetailView } from '../../shared/api.js';
import type {
  MinutesHistory,
  MinutesSource,
  MinutesStatus,
  RecordEvent,
} from '../../shared/record.js';
import { useApi } from '../api/context.js';
import { dateTime, shortFingerprint } from '../format.js';
import { useI18n, type MessageKey, type Translate } from '../i18n/i18n.js';
import { templateName } from './MeetingMinutes.js';

/** One step of the approval, as the API calls it. */
interface Step {
  (): Promise<unknown>;
}

/** The approver's public key as a .pem file, for checking exports elsewhere (greffier verify --pubkey). */
function savePublicKey(pem: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([pem], { type: 'application/x-pem-file' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function minutesStatusKey(status: MinutesStatus): MessageKey {
  return `approval.status.${status}` as MessageKey;
}

/** An entry of the history in words: the template by its name, a restore by where it came from. */
function eventText(e: RecordEvent, history: MinutesHistory, t: Translate, locale: string): string {
  const what = t(`approval.event.${e.action}` as MessageKey);
  if (e.action === 'generated') return e.comment ? `${what} — ${templateName(e.comment, t)}` : what;
  if (e.action === 'restored' && e.restoredFrom) {
    const { version, event } = e.restoredFrom;
    const source = history.versions.find((v) => v.version === version);
    const at = event === undefined ? undefined : source?.events[event]?.at;
    return at
      ? `${what} — ${t('approval.restoredFrom', { date: dateTime(at, locale) })}`
      : `${what} — ${t('approval.restoredFromVersion', { version })}`;
  }
  return what;
}

const sameSource = (a: MinutesSource, b: MinutesSource) =>
  a.version === b.version && a.event === b.event;

/**
 * The minutes' approval on the meeting page: the clerk submits, the approver
 * types their name and approves (signed with their key) or returns with a
 * comment; approved minutes are corrected as a new version with a reason.
 */
export function ApprovalPanel(props: {
  meeting: MeetingDetailView;
  onChanged(): void;
  onError(error: unknown): void;
}) {
  const api = useApi();
  const { t, locale } = useI18n();
  const { meeting } = props;
  const [history, setHistory] = useState<MinutesHistory | undefined>();
  const [approver, setApprover] = useState('');
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const status = meeting.minutesStatus ?? 'draft';

  const { onError } = props;
  const load = useCallback(() => {
    api.call('record.history', { meetingId: meeting.id }).then(setHistory, onError);
  }, [api, meeting.id, onError]);
  // The history follows the meeting: any change to it (a step, a new draft) reloads it.
  useEffect(load, [load, meeting.updatedAt]);

  const act = (run: Step) => (event?: FormEvent) => {
    event?.preventDefault();
    props.onError(undefined);
    run().then(() => {
      setComment('');
      setReason('');
      props.onChanged();
      load();
    }, props.onError);
  };
  const restore = (from: MinutesSource) =>
    api.call('record.restore', { meetingId: meeting.id, from });
  const restorable = (h: MinutesHistory, from: MinutesSource) =>
    h.restorable.some((r) => sameSource(r, from));
  if (!meeting.minutes) return null;
  const current = history?.versions.at(-1);
  const approval = current?.approval;
  const returned = [...(current?.events ?? [])].reverse().find((e) => e.action === 'returned');

  return (
    <section aria-labelledby="approval-title" data-testid="approval">
      <h2 id="approval-title">{t('approval.title')}</h2>
      <p>
        <span className={`badge minutes-${status}`} data-testid="minutes-status">
          {t(minutesStatusKey(status))}
        </span>{' '}
        {current && t('approval.version', { version: current.version })}
      </p>
      {status === 'returned' && returned?.comment && (
        <p className="hint" data-testid="return-comment">
          {t('approval.returnedWith')} <span translate="no">{returned.comment}</span>
        </p>
      )}
      {(status === 'draft' || status === 'returned') && (
        <button
          type="button"
          data-testid="submit-minutes"
          onClick={act(() => api.call('record.submit', { meetingId: meeting.id }))}
        >
          {t('approval.submit')}
        </button>
      )}
      {status === 'submitted' && (
        <>
          <form
            onSubmit={act(() =>
              api.call('record.approve', { meetingId: meeting.id, approver: approver.trim() }),
            )}
          >
            <label>
              {t('approval.approverName')}
              <input
                value={approver}
                autoComplete="name"
                data-testid="approver-name"
                onChange={(event) => setApprover(event.target.value)}
              />
            </label>
            <button type="submit" disabled={!approver.trim()} data-testid="approve-minutes">
              {t('approval.approve')}
            </button>
          </form>
          <form
            onSubmit={act(() =>
              api.call('record.return', {
                meetingId: meeting.id,
                by: approver.trim(),
                comment: comment.trim(),
              }),
            )}
          >
            <label>
              {t('approval.comment')}
              <textarea value={comment} onChange={(event) => setComment(event.target.value)} />
            </label>
            <button type="submit" disabled={!comment.trim()}>
              {t('approval.return')}
            </button>
          </form>
        </>
      )}
      {status === 'approved' && approval && (
        <>
          <p data-testid="approval-block">
            {t('approval.approvedBy', {
              name: approval.approver,
              date: dateTime(approval.approvedAt, locale),
            })}{' '}
            <span className="hint">
              {t('approval.fingerprint', { fingerprint: shortFingerprint(approval.fingerprint) })}
            </span>{' '}
            <button
              type="button"
              className="link"
              data-testid="download-public-key"
              onClick={() =>
                savePublicKey(approval.publicKeyPem, `cle-${approval.fingerprint.slice(0, 16)}.pem`)
              }
            >
              {t('approval.publicKey')}
            </button>
          </p>
          <form
            onSubmit={act(() =>
              api.call('record.correct', { meetingId: meeting.id, reason: reason.trim() }),
            )}
          >
            <label>
              {t('approval.reason')}
              <input value={reason} onChange={(event) => setReason(event.target.value)} />
            </label>
            <button type="submit" disabled={!reason.trim()}>
              {t('approval.correct')}
            </button>
          </form>
        </>
      )}
      {history && history.versions.some((v) => v.events.length > 0) && (
        <details data-testid="approval-history">
          <summary>{t('approval.history')}</summary>
          <ol>
            {history.versions.map((v) => (
              <li key={v.version}>
                <strong>{t('approval.version', { version: v.version })}</strong>{' '}
                {t(minutesStatusKey(v.status))}
                {v.reason && <span translate="no"> — {v.reason}</span>}
                {restorable(history, { version: v.version }) && (
                  <button
                    type="button"
                    className="link"
                    onClick={act(() => restore({ version: v.version }))}
                  >
                    {t('approval.restoreVersion', { version: v.version })}
                  </button>
                )}
                <ul>
                  {v.events.map((e, i) => (
                    <li key={i}>
                      {dateTime(e.at, locale)} · {eventText(e, history, t, locale)}
                      {e.by && <span translate="no"> · {e.by}</span>}
                      {e.comment && e.action !== 'generated' && (
                        <span translate="no"> — {e.comment}</span>
                      )}
                      {restorable(history, { version: v.version, event: i }) && (
                        <>
                          {' '}
                          <button
                            type="button"
                            className="link"
                            aria-label={t('approval.restoreAt', { date: dateTime(e.at, locale) })}
                            onClick={act(() => restore({ version: v.version, event: i }))}
                          >
                            {t('approval.restore')}
                          </button>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
                {v.diff.some((d) => d.op !== 'same') && (
                  <ul className="diff">
                    {v.diff
                      .filter((d) => d.op !== 'same')
                      .map((d, i) => (
                        <li key={i} className={d.op} translate="no">
                          {d.op === 'added' ? '+ ' : '− '}
                          {d.text}
                        </li>
                      ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
