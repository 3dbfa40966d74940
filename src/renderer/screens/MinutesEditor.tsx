import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { Minutes } from '../../shared/minutes.js';
import { useApi } from '../api/context.js';
import { useUnsavedEdits } from '../components/LeaveGuard.js';
import { useI18n } from '../i18n/i18n.js';

/**
 * A text field that grows with its text (CSS field-sizing), as wide as the
 * editor: a decision or a task is a sentence or two, never cut (walk 4,
 * finding 8). `oneLine` keeps line breaks out (a title, a name).
 */
function Text(props: {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  oneLine?: boolean;
  className?: string;
}) {
  const id = useId();
  // Named by its label alone (a wrapping label would add the field's own text to its name).
  return (
    <div className={`field ${props.className ?? ''}`}>
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        className={props.oneLine ? 'grow one-line' : 'grow'}
        name={props.name}
        rows={1}
        value={props.value}
        onChange={(e) =>
          props.onChange(props.oneLine ? e.target.value.replace(/\r?\n/g, ' ') : e.target.value)
        }
      />
    </div>
  );
}

/** One item of a list (a decision, an action…): its fields, and the button that removes it. */
function Item(props: { children: ReactNode; onRemove(): void; removeLabel: string }) {
  return (
    <div className="minutes-item">
      <div className="fields">{props.children}</div>
      <button type="button" onClick={props.onRemove}>
        {props.removeLabel}
      </button>
    </div>
  );
}

/**
 * The clerk's own text for draft or returned minutes: every part shown on
 * the page (title, overview, decisions, actions with their owner and due
 * date, open questions, interventions) is a field. Citations stay with their
 * item; the core drops those whose segment is gone (minutes.edit).
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
  const remove = t('minutesEdit.remove');

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
      <Text
        label={t('minutesEdit.title')}
        name="title"
        oneLine
        value={draft.title}
        onChange={(title) => change({ title })}
      />
      <Text
        label={t('minutesEdit.overview')}
        name="overview"
        className="overview"
        value={draft.overview}
        onChange={(overview) => change({ overview })}
      />

      <h3>{t('minutes.decisions')}</h3>
      {draft.decisions.map((item, index) => (
        <Item
          key={index}
          removeLabel={remove}
          onRemove={() => change({ decisions: without(draft.decisions, index) })}
        >
          <Text
            label={t('minutesEdit.decision', { n: index + 1 })}
            name={`decision-${index}`}
            value={item.text}
            onChange={(text) =>
              change({ decisions: replace(draft.decisions, index, { ...item, text }) })
            }
          />
        </Item>
      ))}
      <button
        type="button"
        onClick={() => change({ decisions: [...draft.decisions, { text: '', segmentIds: [] }] })}
      >
        {t('minutesEdit.addDecision')}
      </button>

      <h3>{t('minutes.actions')}</h3>
      {draft.actionItems.map((item, index) => {
        const set = (patch: Partial<Minutes['actionItems'][number]>) =>
          change({ actionItems: replace(draft.actionItems, index, { ...item, ...patch }) });
        return (
          <Item
            key={index}
            removeLabel={remove}
            onRemove={() => change({ actionItems: without(draft.actionItems, index) })}
          >
            <div className="pair">
              <Text
                label={t('minutesEdit.owner', { n: index + 1 })}
                name={`owner-${index}`}
                oneLine
                value={item.owner}
                onChange={(owner) => set({ owner })}
              />
              <Text
                label={t('minutesEdit.due', { n: index + 1 })}
                name={`due-${index}`}
                oneLine
                value={item.due ?? ''}
                onChange={(due) => set({ due })}
              />
            </div>
            <Text
              label={t('minutesEdit.task', { n: index + 1 })}
              name={`task-${index}`}
              value={item.task}
              onChange={(task) => set({ task })}
            />
          </Item>
        );
      })}
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
        <Item
          key={index}
          removeLabel={remove}
          onRemove={() => change({ openQuestions: without(draft.openQuestions, index) })}
        >
          <Text
            label={t('minutesEdit.question', { n: index + 1 })}
            name={`question-${index}`}
            value={text}
            onChange={(value) =>
              change({ openQuestions: replace(draft.openQuestions, index, value) })
            }
          />
        </Item>
      ))}
      <button type="button" onClick={() => change({ openQuestions: [...draft.openQuestions, ''] })}>
        {t('minutesEdit.addQuestion')}
      </button>

      <h3>{t('minutes.interventions')}</h3>
      {draft.interventions.map((item, index) => {
        const set = (patch: Partial<Minutes['interventions'][number]>) =>
          change({ interventions: replace(draft.interventions, index, { ...item, ...patch }) });
        return (
          <Item
            key={index}
            removeLabel={remove}
            onRemove={() => change({ interventions: without(draft.interventions, index) })}
          >
            <Text
              label={t('minutesEdit.speaker', { n: index + 1 })}
              name={`speaker-${index}`}
              oneLine
              value={item.speaker}
              onChange={(speaker) => set({ speaker })}
            />
            <Text
              label={t('minutesEdit.intervention', { n: index + 1 })}
              name={`intervention-${index}`}
              value={item.summary}
              onChange={(summary) => set({ summary })}
            />
          </Item>
        );
      })}
      <button
        type="button"
        onClick={() =>
          change({ interventions: [...draft.interventions, { speaker: '', summary: '' }] })
        }
      >
        {t('minutesEdit.addIntervention')}
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
