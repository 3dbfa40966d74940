import { useState, type FormEvent } from 'react';
import type { Minutes } from '../../shared/minutes.js';
import { useApi } from '../api/context.js';
import { useUnsavedEdits } from '../components/LeaveGuard.js';
import { useI18n } from '../i18n/i18n.js';

/**
 * The clerk's own text for draft or returned minutes: the overview, each
 * decision, action item and open question become fields. Citations stay with
 * their item; the core drops those whose segment is gone (minutes.edit).
 */
export function MinutesEditor(props: {
  meetingId: string;
  minutes: Minutes;
  onSaved(): void;
  onCancel(): void;
  onError(error: unknown): void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const [draft, setDraft] = useState<Minutes>(() => structuredClone(props.minutes));
  const [saving, setSaving] = useState(false);
  // Leaving the meeting, the screen or the window with edits not saved asks first.
  useUnsavedEdits(JSON.stringify(draft) !== JSON.stringify(props.minutes));
  const change = (patch: Partial<Minutes>) => setDraft((d) => ({ ...d, ...patch }));
  const without = <T,>(list: T[], index: number) => list.filter((_, i) => i !== index);
  const replace = <T,>(list: T[], index: number, item: T) =>
    list.map((old, i) => (i === index ? item : old));

  async function save(event: FormEvent) {
    event.preventDefault();
    props.onError(undefined);
    setSaving(true);
    try {
      await api.call('minutes.edit', { meetingId: props.meetingId, minutes: draft });
      props.onSaved();
    } catch (caught) {
      props.onError(caught);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="minutes-editor" data-testid="minutes-editor" onSubmit={(e) => void save(e)}>
      <label>
        {t('minutesEdit.overview')}
        <textarea
          name="overview"
          rows={5}
          value={draft.overview}
          onChange={(e) => change({ overview: e.target.value })}
        />
      </label>

      <h3>{t('minutes.decisions')}</h3>
      {draft.decisions.map((item, index) => (
        <div className="inline" key={index}>
          <label>
            {t('minutesEdit.decision', { n: index + 1 })}
            <textarea
              name={`decision-${index}`}
              rows={2}
              value={item.text}
              onChange={(e) =>
                change({
                  decisions: replace(draft.decisions, index, { ...item, text: e.target.value }),
                })
              }
            />
          </label>
          <button
            type="button"
            onClick={() => change({ decisions: without(draft.decisions, index) })}
          >
            {t('minutesEdit.remove')}
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => change({ decisions: [...draft.decisions, { text: '', segmentIds: [] }] })}
      >
        {t('minutesEdit.addDecision')}
      </button>

      <h3>{t('minutes.actions')}</h3>
      {draft.actionItems.map((item, index) => (
        <div className="inline" key={index}>
          <label>
            {t('minutesEdit.owner', { n: index + 1 })}
            <input
              name={`owner-${index}`}
              value={item.owner}
              onChange={(e) =>
                change({
                  actionItems: replace(draft.actionItems, index, {
                    ...item,
                    owner: e.target.value,
                  }),
                })
              }
            />
          </label>
          <label>
            {t('minutesEdit.task', { n: index + 1 })}
            <input
              name={`task-${index}`}
              value={item.task}
              onChange={(e) =>
                change({
                  actionItems: replace(draft.actionItems, index, { ...item, task: e.target.value }),
                })
              }
            />
          </label>
          <button
            type="button"
            onClick={() => change({ actionItems: without(draft.actionItems, index) })}
          >
            {t('minutesEdit.remove')}
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() =>
          change({ actionItems: [...draft.actionItems, { owner: '', task: '', segmentIds: [] }] })
        }
      >
        {t('minutesEdit.addAction')}
      </button>

      <h3>{t('minutes.questions')}</h3>
      {draft.openQuestions.map((text, index) => (
        <div className="inline" key={index}>
          <label>
            {t('minutesEdit.question', { n: index + 1 })}
            <input
              name={`question-${index}`}
              value={text}
              onChange={(e) =>
                change({ openQuestions: replace(draft.openQuestions, index, e.target.value) })
              }
            />
          </label>
          <button
            type="button"
            onClick={() => change({ openQuestions: without(draft.openQuestions, index) })}
          >
            {t('minutesEdit.remove')}
          </button>
        </div>
      ))}
      <button type="button" onClick={() => change({ openQuestions: [...draft.openQuestions, ''] })}>
        {t('minutesEdit.addQuestion')}
      </button>

      <div className="actions">
        <button type="submit" disabled={saving}>
          {t('common.save')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
