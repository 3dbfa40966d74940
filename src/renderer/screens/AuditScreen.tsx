import { useCallback, useEffect, useState } from 'react';
import type { CallOutput } from '../../shared/api.js';
import type { AuditEntryView, RetentionPlanView } from '../../shared/audit-api.js';
import { useApi } from '../api/context.js';
import { auditDetails } from '../audit-details.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { DateField } from '../components/DateField.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { dateTime } from '../format.js';
import { useI18n, type MessageKey } from '../i18n/i18n.js';

type Report = CallOutput<'audit.verify'>;

/** An action's name in the UI's language; one added later shows as stored. */
function actionLabel(action: string, t: (key: MessageKey) => string): string {
  const key = `audit.action.${action}` as MessageKey;
  const label = t(key);
  return label === key ? action : label;
}

/** An entry's details, labelled in the UI's language (values as the trail stored them). */
function Details({ entry }: { entry: AuditEntryView }) {
  const { t, locale } = useI18n();
  const shown = auditDetails(entry, t, locale);
  if (shown.length === 0) return null;
  return (
    <dl className="audit-details">
      {shown.map((detail) => (
        <div key={detail.key} data-detail={detail.key}>
          <dt>{detail.label}</dt>
          <dd translate={detail.verbatim ? 'no' : undefined} title={detail.full}>
            {detail.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** For the security officer: who did what with the record, whether the trail is intact, and retention. */
export function AuditScreen() {
  const api = useApi();
  const { t, locale } = useI18n();
  const [entries, setEntries] = useState<AuditEntryView[] | undefined>();
  const [since, setSince] = useState('');
  const [action, setAction] = useState('');
  const [report, setReport] = useState<Report | undefined>();
  const [plan, setPlan] = useState<RetentionPlanView | undefined>();
  const [applied, setApplied] = useState<RetentionPlanView | undefined>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(() => {
    api
      .call('audit.list', { ...(since ? { since } : {}), ...(action ? { action } : {}) })
      .then((list) => {
        // Newest first: the officer looks at what just happened.
        setEntries([...list].reverse());
        setError(undefined);
      })
      .catch(setError);
  }, [api, since, action]);
  useEffect(load, [load]);
  // Meetings named by their title (a deleted one keeps its id: the trail outlives it).
  const [titles, setTitles] = useState(new Map<string, string>());
  useEffect(() => {
    api
      .call('meetings.list', {})
      .then((list) => setTitles(new Map(list.map((m) => [m.id, m.title]))))
      .catch(() => undefined);
  }, [api]);

  const actions = [...new Set((entries ?? []).map((e) => e.action))].sort();
  const verify = () => api.call('audit.verify', {}).then(setReport, setError);
  const preview = () => api.call('retention.preview', {}).then(setPlan, setError);
  const apply = async () => {
    await api
      .call('retention.apply', {})
      .then((done) => {
        setApplied(done);
        setPlan(undefined);
        load();
      })
      .catch(setError);
  };
  const part = (p: string) => t(`retention.part.${p}` as MessageKey);

  return (
    <section data-screen="audit" aria-labelledby="audit-title">
      <div className="titlebar">
        <h1 id="audit-title">{t('audit.title')}</h1>
        <button
          type="button"
          className="primary"
          data-testid="audit-verify"
          onClick={() => void verify()}
        >
          {t('audit.verify')}
        </button>
      </div>
      {error !== undefined && <ErrorNote error={error} />}
      {report && (
        <div
          role="status"
          data-testid="audit-report"
          data-ok={report.ok}
          className={report.ok ? 'notice good' : 'error'}
        >
          {report.ok ? (
            <p>{t('audit.intact', { count: report.entries, head: report.head.slice(0, 16) })}</p>
          ) : (
            <>
              <p>{t('audit.tampered')}</p>
              <ul>
                {report.problems.map((p) => (
                  <li key={`${p.kind}-${p.entry}`}>{p.message}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      <div className="actions" role="search">
        <DateField
          label={t('audit.since')}
          value={since}
          onChange={setSince}
          testId="audit-since"
        />
        <label>
          {t('audit.action')}
          <select
            data-testid="audit-action"
            value={action}
            onChange={(e) => setAction(e.target.value)}
          >
            <option value="">{t('audit.allActions')}</option>
            {(action && !actions.includes(action) ? [...actions, action] : actions).map((a) => (
              <option key={a} value={a}>
                {actionLabel(a, t)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {entries && entries.length === 0 && <p>{t('audit.empty')}</p>}
      {entries && entries.length > 0 && (
        <table data-testid="audit-entries">
          <thead>
            <tr>
              <th scope="col">{t('audit.number')}</th>
              <th scope="col">{t('audit.when')}</th>
              <th scope="col">{t('audit.who')}</th>
              <th scope="col">{t('audit.action')}</th>
              <th scope="col">{t('audit.meeting')}</th>
              <th scope="col">{t('audit.details')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.seq} data-action={entry.action}>
                <td>{entry.seq}</td>
                <td className="when">{dateTime(entry.at, locale)}</td>
                <td translate="no">{entry.user}</td>
                <td>{actionLabel(entry.action, t)}</td>
                <td translate="no" title={entry.meetingId}>
                  {entry.meetingId ? (titles.get(entry.meetingId) ?? entry.meetingId) : ''}
                </td>
                <td>
                  <Details entry={entry} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <section aria-labelledby="retention-plan-title" data-testid="retention-plan">
        <h2 id="retention-plan-title">{t('retention.planTitle')}</h2>
        <p className="hint">{t('retention.planHelp')}</p>
        <div className="actions">
          <button type="button" data-testid="retention-preview" onClick={() => void preview()}>
            {t('retention.preview')}
          </button>
          {plan && plan.items.length > 0 && (
            <ConfirmButton
              question={t('retention.applyConfirm')}
              onConfirm={() => void apply()}
              testId="retention-apply"
            >
              {t('retention.apply', { count: plan.items.length })}
            </ConfirmButton>
          )}
        </div>
        {plan && (
          <>
            {plan.items.length === 0 && <p>{t('retention.nothingDue')}</p>}
            <ul data-testid="retention-items">
              {plan.items.map((item) => (
                <li key={`${item.meetingId}-${item.part}`}>
                  {item.title} — {part(item.part)} (
                  {t('retention.dueSince', { date: item.dueAt.slice(0, 10) })})
                </li>
              ))}
              {plan.held.map((item) => (
                <li key={`held-${item.meetingId}-${item.part}`} className="hint">
                  {item.title} — {part(item.part)} ({t('retention.onHold')})
                </li>
              ))}
            </ul>
          </>
        )}
        {applied && <p role="status">{t('retention.applied', { count: applied.items.length })}</p>}
      </section>
    </section>
  );
}
