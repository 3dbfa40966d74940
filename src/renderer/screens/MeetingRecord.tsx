import { useCallback, useEffect, useState } from 'react';
import type { MeetingDetailView } from '../../shared/api.js';
import type {
  RedactionSuggestion,
  RedactionView,
  RetentionMeetingView,
} from '../../shared/audit-api.js';
import { useApi } from '../api/context.js';
import { ConfirmButton } from '../components/ConfirmButton.js';
import { uiError } from '../i18n/errors.js';
import { useI18n } from '../i18n/i18n.js';

type Props = { meeting: MeetingDetailView; onError(error: unknown): void };

/** Days typed in a field: empty means "kept"; anything but 0–36500 whole days is refused, never altered. */
function days(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 36_500) throw uiError('bad-retention-rule');
  return n;
}

/** The meeting's retention rule and its legal hold. */
export function RetentionPanel({ meeting, onError }: Props) {
  const api = useApi();
  const { t } = useI18n();
  const [view, setView] = useState<RetentionMeetingView | undefined>();
  const [form, setForm] = useState({ audio: '', transcript: '', minutes: '' });

  const load = useCallback(() => {
    api
      .call('retention.get', { meetingId: meeting.id })
      .then((next) => {
        setView(next);
        setForm({
          audio: next.rule?.audioDays?.toString() ?? '',
          transcript: next.rule?.transcriptDays?.toString() ?? '',
          minutes: next.rule?.minutesDays?.toString() ?? '',
        });
      })
      .catch(onError);
  }, [api, meeting.id, onError]);
  useEffect(load, [load, meeting.updatedAt]);

  const save = async () => {
    let rule;
    try {
      const [audio, transcript, minutes] = [
        days(form.audio),
        days(form.transcript),
        days(form.minutes),
      ];
      rule = {
        ...(audio === undefined ? {} : { audioDays: audio }),
        ...(transcript === undefined ? {} : { transcriptDays: transcript }),
        ...(minutes === undefined ? {} : { minutesDays: minutes }),
      };
    } catch (error) {
      onError(error);
      return;
    }
    await api.call('retention.setRule', { meetingId: meeting.id, rule }).then(load, onError);
  };
  const hold = async (on: boolean) =>
    api.call('retention.hold', { meetingId: meeting.id, on }).then(load, onError);

  if (!view) return null;
  const field = (name: 'audio' | 'transcript' | 'minutes') => (
    <label>
      {t(`retention.${name}Days`)}
      <input
        type="number"
        min={0}
        inputMode="numeric"
        data-retention={name}
        value={form[name]}
        placeholder={t('retention.kept')}
        onChange={(event) => setForm({ ...form, [name]: event.target.value })}
      />
    </label>
  );
  return (
    <section aria-labelledby="retention-title" data-testid="retention">
      <h2 id="retention-title">{t('retention.title')}</h2>
      <p className="hint">{t(`retention.from.${view.from}`)}</p>
      <div className="actions">
        {field('audio')}
        {field('transcript')}
        {field('minutes')}
        <button type="button" onClick={() => void save()}>
          {t('common.save')}
        </button>
      </div>
      <p data-testid="legal-hold">
        {view.hold
          ? t('retention.holdOn', { since: view.holdSince?.slice(0, 10) ?? '' })
          : t('retention.holdOff')}{' '}
        <button type="button" onClick={() => void hold(!view.hold)}>
          {view.hold ? t('retention.liftHold') : t('retention.putHold')}
        </button>
      </p>
    </section>
  );
}

/** Where the selection is: a segment's id and the character range inside its text. */
function selectedSpan(): { segmentId: string; start: number; end: number } | undefined {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return undefined;
  const range = selection.getRangeAt(0);
  const text = (node: Node) =>
    (node instanceof Element ? node : node.parentElement)?.closest('.segment .text');
  const holder = text(range.startContainer);
  if (!holder || holder !== text(range.endContainer)) return undefined;
  const segmentId = holder.closest('[data-segment-id]')?.getAttribute('data-segment-id');
  if (!segmentId) return undefined;
  const before = document.createRange();
  before.selectNodeContents(holder);
  before.setEnd(range.startContainer, range.startOffset);
  const start = before.toString().length;
  const end = start + range.toString().length;
  return end > start ? { segmentId, start, end } : undefined;
}

/** Redactions: select words in a line and hide them, or take the suggestions. */
export function RedactionPanel({ meeting, onError }: Props) {
  const api = useApi();
  const { t } = useI18n();
  const [marks, setMarks] = useState<RedactionView[]>([]);
  const [suggestions, setSuggestions] = useState<RedactionSuggestion[] | undefined>();
  const [note, setNote] = useState('');

  const load = useCallback(() => {
    api.call('redaction.list', { meetingId: meeting.id }).then(setMarks).catch(onError);
  }, [api, meeting.id, onError]);
  useEffect(load, [load, meeting.updatedAt]);

  const redactSelection = async () => {
    const span = selectedSpan();
    if (!span) return setNote(t('redaction.selectFirst'));
    setNote('');
    await api.call('redaction.add', { meetingId: meeting.id, spans: [span] }).then(load, onError);
  };
  const suggest = () =>
    api.call('redaction.suggest', { meetingId: meeting.id }).then(setSuggestions, onError);
  const apply = async (spans: RedactionSuggestion[]) => {
    await api.call('redaction.add', { meetingId: meeting.id, spans }).then(load, onError);
    setSuggestions(undefined);
  };
  const erase = async () => {
    await api.call('redaction.erase', { meetingId: meeting.id }).then(load, onError);
  };

  return (
    <section aria-labelledby="redaction-title" data-testid="redaction">
      <h2 id="redaction-title">{t('redaction.title')}</h2>
      <p className="hint">{t('redaction.help')}</p>
      <div className="actions">
        <button type="button" data-testid="redact-selection" onClick={() => void redactSelection()}>
          {t('redaction.redactSelection')}
        </button>
        <button type="button" data-testid="redaction-suggest" onClick={() => void suggest()}>
          {t('redaction.suggest')}
        </button>
        {marks.some((m) => m.text !== undefined) && (
          <ConfirmButton question={t('redaction.eraseConfirm')} onConfirm={() => void erase()}>
            {t('redaction.erase')}
          </ConfirmButton>
        )}
      </div>
      {note && <p role="status">{note}</p>}
      {suggestions && (
        <div data-testid="redaction-suggestions">
          {suggestions.length === 0 ? (
            <p>{t('redaction.noSuggestion')}</p>
          ) : (
            <>
              <ul>
                {suggestions.map((s) => (
                  <li key={`${s.segmentId}:${s.start}`}>
                    <span translate="no">{s.text}</span> — {t(`redaction.kind.${s.kind}`)}{' '}
                    <button type="button" className="link" onClick={() => void apply([s])}>
                      {t('redaction.apply')}
                    </button>
                  </li>
                ))}
              </ul>
              <button type="button" onClick={() => void apply(suggestions)}>
                {t('redaction.applyAll')}
              </button>
            </>
          )}
        </div>
      )}
      <ul data-testid="redactions">
        {marks.map((m) => (
          <li key={m.id}>
            <span translate="no">{m.text ?? t('redaction.erased')}</span> —{' '}
            {t(`redaction.kind.${m.kind}`)}
            {m.text !== undefined && (
              <>
                {' '}
                <button
                  type="button"
                  className="link"
                  onClick={() =>
                    void api
                      .call('redaction.remove', { meetingId: meeting.id, id: m.id })
                      .then(load, onError)
                  }
                >
                  {t('redaction.remove')}
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
