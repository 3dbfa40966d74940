import { useEffect, useState, type ReactNode } from 'react';
import type { MeetingDetailView } from '../../shared/api.js';
import type { MinutesHistory } from '../../shared/record.js';
import { useApi } from '../api/context.js';
import { useI18n, type MessageKey, type Translate } from '../i18n/i18n.js';
import { MinutesEditor } from './MinutesEditor.js';

/** A minutes template's name in the UI's language; a template IT added keeps its file name. */
export function templateName(id: string, t: Translate): string {
  const key = `template.${id}` as MessageKey;
  const name = t(key);
  return name === key ? id.replace(/[-_]+/g, ' ') : name;
}

/** True when the draft's text is the clerk's (edited or restored), not the last one written. */
export function handEdited(history: MinutesHistory): boolean {
  const texts = history.versions.at(-1)?.events.filter((e) => e.minutes) ?? [];
  const last = texts.at(-1);
  return !!last && last.action !== 'generated';
}

/**
 * The meeting's minutes: read, edited by hand while a draft or returned, or
 * written again with a template (never once submitted or approved).
 */
export function MeetingMinutes(props: {
  meeting: MeetingDetailView;
  locked: boolean;
  /** The transcript times an item cites, as buttons that focus the line. */
  segmentLinks(ids: string[]): ReactNode;
  onChanged(): void;
  onError(error: unknown): void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const { meeting, locked, segmentLinks, onChanged, onError } = props;
  const [templates, setTemplates] = useState<string[]>([]);
  const [template, setTemplate] = useState('');
  const [editing, setEditing] = useState(false);
  // Writing again over the clerk's own text asks first (the text stays in the history).
  const [asking, setAsking] = useState(false);

  useEffect(() => {
    api
      .call('minutes.templates', {})
      .then((list) => {
        setTemplates(list);
        setTemplate(
          (current) => current || (list.includes('general') ? 'general' : (list[0] ?? '')),
        );
      })
      .catch(() => undefined);
  }, [api]);

  const regenerate = () =>
    api.call('minutes.regenerate', { meetingId: meeting.id, template }).then(onChanged, onError);

  const minutes = meeting.minutes;
  // Only a draft or returned minutes can be edited: the editor closes if they get locked.
  const editingMinutes = editing && !!minutes && !locked;

  return (
    <section aria-labelledby="minutes-title" data-testid="minutes">
      <h2 id="minutes-title">{t('meeting.minutes')}</h2>
      {!minutes && <p>{t('meeting.noMinutes')}</p>}
      {minutes && editingMinutes && (
        <MinutesEditor
          meetingId={meeting.id}
          minutes={minutes}
          onSaved={() => {
            setEditing(false);
            onChanged();
          }}
          onCancel={() => setEditing(false)}
          onError={onError}
        />
      )}
      {minutes && !editingMinutes && (
        <>
          <h3 translate="no">{minutes.title}</h3>
          <p translate="no">{minutes.overview}</p>
          <h3>{t('minutes.decisions')}</h3>
          {minutes.decisions.length === 0 && <p className="hint">{t('minutes.none')}</p>}
          <ul data-testid="decisions">
            {minutes.decisions.map((item, index) => (
              <li key={index}>
                <span translate="no">{item.text}</span> {segmentLinks(item.segmentIds)}
              </li>
            ))}
          </ul>
          <h3>{t('minutes.actions')}</h3>
          {minutes.actionItems.length === 0 && <p className="hint">{t('minutes.none')}</p>}
          <ul data-testid="actions">
            {minutes.actionItems.map((item, index) => (
              <li key={index}>
                <strong translate="no">{item.owner}</strong> <span translate="no">{item.task}</span>
                {item.due && <span translate="no"> ({item.due})</span>}{' '}
                {segmentLinks(item.segmentIds)}
              </li>
            ))}
          </ul>
          <h3>{t('minutes.questions')}</h3>
          {minutes.openQuestions.length === 0 && <p className="hint">{t('minutes.none')}</p>}
          <ul>
            {minutes.openQuestions.map((text, index) => (
              <li key={index} translate="no">
                {text}
              </li>
            ))}
          </ul>
          <h3>{t('minutes.interventions')}</h3>
          {minutes.interventions.length === 0 && <p className="hint">{t('minutes.none')}</p>}
          <ul>
            {minutes.interventions.map((item, index) => (
              <li key={index}>
                <strong translate="no">{item.speaker}</strong>
                {t('common.colon')} <span translate="no">{item.summary}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {minutes && !locked && !editingMinutes && (
        <button type="button" data-testid="minutes-edit" onClick={() => setEditing(true)}>
          {t('minutesEdit.open')}
        </button>
      )}
      {!editingMinutes && (
        <div className="inline">
          <label>
            {t('meeting.template')}
            <select value={template} onChange={(event) => setTemplate(event.target.value)}>
              {templates.map((id) => (
                <option key={id} value={id}>
                  {templateName(id, t)}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            disabled={!template || meeting.segments.length === 0 || locked || asking}
            onClick={() =>
              void api
                .call('record.history', { meetingId: meeting.id })
                .then((history) => (handEdited(history) ? setAsking(true) : regenerate()))
                .catch(onError)
            }
          >
            {t('meeting.regenerate')}
          </button>
        </div>
      )}
      {asking && (
        <div role="alertdialog" aria-labelledby="regenerate-ask" className="confirm">
          <p id="regenerate-ask">{t('meeting.regenerateAsk')}</p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              onClick={() => {
                setAsking(false);
                void regenerate();
              }}
            >
              {t('meeting.regenerateConfirm')}
            </button>
            <button type="button" onClick={() => setAsking(false)} autoFocus>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
