import { useState } from 'react';
import type { MeetingDetailView } from '../../shared/api.js';
import { useApi } from '../api/context.js';
import { useUnsavedEdits } from '../components/LeaveGuard.js';
import { clock } from '../format.js';
import { uiError } from '../i18n/errors.js';
import { useI18n } from '../i18n/i18n.js';

/** The pieces of a meeting's page that act on the meeting: lines, speakers, deletion. */

export function SegmentRow(props: {
  meetingId: string;
  segment: MeetingDetailView['segments'][number];
  speaker: string;
  speakers: MeetingDetailView['speakers'];
  focused: boolean;
  current: boolean;
  onPlay(): void;
  onSaved(): void;
  onError(error: unknown): void;
  /** Submitted or approved minutes fix the transcript they cite. */
  readOnly?: boolean;
}) {
  const api = useApi();
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(props.segment.text);
  const { segment } = props;
  // A line being corrected and not saved yet: leaving the meeting asks first (walk 4, finding 2).
  useUnsavedEdits(editing && text !== segment.text);

  async function setSpeaker(speakerId: string | null) {
    try {
      await api.call('segments.setSpeaker', {
        meetingId: props.meetingId,
        segmentId: segment.id,
        speakerId,
      });
      props.onSaved();
    } catch (caught) {
      props.onError(caught);
    }
  }

  async function save() {
    try {
      await api.call('segments.edit', {
        meetingId: props.meetingId,
        segmentId: segment.id,
        text,
      });
      setEditing(false);
      props.onSaved();
    } catch (caught) {
      props.onError(caught);
    }
  }

  return (
    <li
      id={`segment-${segment.id}`}
      data-segment-id={segment.id}
      tabIndex={-1}
      className={`segment${props.focused ? ' focused' : ''}${props.current ? ' current' : ''}`}
      aria-current={props.current ? 'time' : undefined}
    >
      <button
        type="button"
        className="time"
        onClick={props.onPlay}
        aria-label={t('meeting.playFrom', { time: clock(segment.startMs) })}
      >
        {clock(segment.startMs)}
      </button>
      {props.speakers.length > 0 ? (
        <select
          className="who"
          translate="no"
          aria-label={t('meeting.lineSpeaker', { time: clock(segment.startMs) })}
          value={segment.speakerId ?? ''}
          disabled={props.readOnly}
          onChange={(event) => void setSpeaker(event.target.value || null)}
        >
          <option value="">{t('meeting.noSpeaker')}</option>
          {props.speakers.map((speaker) => (
            <option key={speaker.id} value={speaker.id}>
              {speaker.name}
            </option>
          ))}
        </select>
      ) : (
        props.speaker && (
          <span className="who" translate="no">
            {props.speaker}
          </span>
        )
      )}
      {editing ? (
        <span className="edit">
          <textarea
            aria-label={t('meeting.editText')}
            value={text}
            onChange={(event) => setText(event.target.value)}
            autoFocus
          />
          <button type="button" onClick={() => void save()}>
            {t('common.save')}
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            {t('common.cancel')}
          </button>
        </span>
      ) : (
        <>
          <span className="text" translate="no">
            {segment.text}
          </span>
          {segment.edited && <span className="hint"> ({t('meeting.edited')})</span>}
          {!props.readOnly && (
            <button
              type="button"
              className="link"
              aria-label={t('meeting.editSegment', { time: clock(segment.startMs) })}
              onClick={() => {
                setText(segment.text);
                setEditing(true);
              }}
            >
              {t('common.edit')}
            </button>
          )}
        </>
      )}
    </li>
  );
}

export function SpeakersPanel(props: {
  meeting: MeetingDetailView;
  onChanged(): void;
  onError(error: unknown): void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const [names, setNames] = useState<Record<string, string>>({});
  const [from, setFrom] = useState('');
  const [into, setInto] = useState('');
  const { meeting } = props;
  // Submitted or approved minutes name the speakers as approved: renaming waits for a correction.
  const locked = meeting.minutesStatus === 'submitted' || meeting.minutesStatus === 'approved';
  if (meeting.speakers.length === 0) return null;
  return (
    <section aria-labelledby="speakers-title">
      <h2 id="speakers-title">{t('meeting.speakers')}</h2>
      <ul>
        {meeting.speakers.map((speaker) => (
          <li key={speaker.id}>
            <form
              className="inline"
              onSubmit={(event) => {
                event.preventDefault();
                const name = (names[speaker.id] ?? '').trim();
                if (!name) return;
                void api
                  .call('speakers.rename', { meetingId: meeting.id, speakerId: speaker.id, name })
                  .then(props.onChanged, props.onError);
              }}
            >
              <label>
                {t('meeting.renameSpeaker', { name: speaker.name })}
                <input
                  value={names[speaker.id] ?? speaker.name}
                  readOnly={locked}
                  onChange={(event) => setNames({ ...names, [speaker.id]: event.target.value })}
                />
              </label>
              <button type="submit" disabled={locked}>
                {t('common.save')}
              </button>
            </form>
          </li>
        ))}
      </ul>
      {meeting.speakers.length > 1 && (
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            // Said, not ignored: two different speakers must be chosen.
            if (!from || !into || from === into) {
              props.onError(uiError('bad-merge'));
              return;
            }
            void api
              .call('speakers.merge', {
                meetingId: meeting.id,
                fromSpeakerId: from,
                intoSpeakerId: into,
              })
              .then(props.onChanged, props.onError);
          }}
        >
          <SpeakerChoice
            label={t('meeting.mergeFrom')}
            speakers={meeting.speakers}
            value={from}
            onChange={setFrom}
          />
          <SpeakerChoice
            label={t('meeting.mergeInto')}
            speakers={meeting.speakers}
            value={into}
            onChange={setInto}
          />
          <button type="submit">{t('meeting.merge')}</button>
        </form>
      )}
    </section>
  );
}

/** One speaker of the meeting to choose, or none (the empty first option). */
function SpeakerChoice(props: {
  label: string;
  speakers: MeetingDetailView['speakers'];
  value: string;
  onChange(value: string): void;
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(event) => props.onChange(event.target.value)}>
        <option value="" />
        {props.speakers.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Deleting destroys the meeting's key first: asked twice, because it cannot be undone. */
export function DeletePanel(props: {
  meetingId: string;
  onDeleted(): void;
  onError(error: unknown): void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  return (
    <section aria-labelledby="delete-title">
      <h2 id="delete-title">{t('meeting.delete')}</h2>
      {!confirming ? (
        <button type="button" onClick={() => setConfirming(true)}>
          {t('meeting.delete')}
        </button>
      ) : (
        <div role="alertdialog" aria-labelledby="delete-confirm">
          <p id="delete-confirm">{t('meeting.deleteConfirm')}</p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              onClick={() =>
                void api
                  .call('meetings.delete', { id: props.meetingId })
                  .then(props.onDeleted, props.onError)
              }
            >
              {t('meeting.deleteForever')}
            </button>
            <button type="button" onClick={() => setConfirming(false)} autoFocus>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
