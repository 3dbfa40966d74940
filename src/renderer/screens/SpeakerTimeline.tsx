import { useCallback, useEffect, useMemo, useState } from 'react';
import type { MeetingDetailView } from '../../shared/api.js';
import { useApi } from '../api/context.js';
import { clock, duration, intlLocale } from '../format.js';
import { useI18n } from '../i18n/i18n.js';

/** Colours that stay apart for the common colour-vision deficiencies (Okabe–Ito). */
const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
];

interface Suggestion {
  speakerId: string;
  voiceId: string;
  name: string;
  score: number;
}

/**
 * Who spoke when: one bar over the meeting, one colour per speaker, a click
 * plays from there; each speaker's speaking time; remembered voices the
 * meeting's speakers sound like, for the clerk to confirm or reject; and
 * keeping a named voice, only with the person's consent written down.
 */
export function SpeakerTimeline(props: {
  meeting: Pick<MeetingDetailView, 'id' | 'durationMs' | 'segments' | 'speakers'>;
  onPlay(ms: number): void;
  onError(error: unknown): void;
}) {
  const api = useApi();
  const { t, locale } = useI18n();
  const { meeting } = props;
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [consentFor, setConsentFor] = useState<string | undefined>();
  const [consentBy, setConsentBy] = useState('');
  const [consentNote, setConsentNote] = useState('');
  const [kept, setKept] = useState<string[]>([]);

  const colour = useMemo(() => {
    const map = new Map<string, string>();
    meeting.speakers.forEach((s, i) => map.set(s.id, PALETTE[i % PALETTE.length]!));
    return map;
  }, [meeting.speakers]);
  const times = useMemo(() => {
    const time = new Map<string, number>();
    for (const s of meeting.segments) {
      if (s.speakerId) time.set(s.speakerId, (time.get(s.speakerId) ?? 0) + s.endMs - s.startMs);
    }
    return time;
  }, [meeting.segments]);
  const name = (id: string) => meeting.speakers.find((s) => s.id === id)?.name ?? id;

  const loadSuggestions = useCallback(async () => {
    try {
      setSuggestions(await api.call('voices.suggestions', { meetingId: meeting.id }));
    } catch (error) {
      props.onError(error);
    }
  }, [api, meeting.id, props]);
  useEffect(() => {
    void loadSuggestions();
    // Suggestions change with the speakers step, which changes the segments.
  }, [loadSuggestions, meeting.segments.length]);

  const spoken = meeting.segments.filter((s) => s.speakerId);
  if (spoken.length === 0 || meeting.durationMs <= 0) return null;
  const percent = (ms: number) => `${Math.min(100, (ms / meeting.durationMs) * 100).toFixed(3)}%`;
  const score = (value: number) =>
    new Intl.NumberFormat(intlLocale(locale), { style: 'percent' }).format(value);

  const act = async (call: 'voices.confirm' | 'voices.reject', speakerId: string) => {
    try {
      await api.call(call, { meetingId: meeting.id, speakerId });
      await loadSuggestions();
    } catch (error) {
      props.onError(error);
    }
  };
  const remember = async (speakerId: string) => {
    try {
      await api.call('voices.remember', {
        meetingId: meeting.id,
        speakerId,
        consentBy,
        consentNote,
      });
      setKept([...kept, speakerId]);
      setConsentFor(undefined);
      setConsentBy('');
      setConsentNote('');
    } catch (error) {
      props.onError(error);
    }
  };

  return (
    <section aria-labelledby="speakers-timeline-title" data-testid="speaker-timeline-section">
      <h3 id="speakers-timeline-title">{t('speakers.timeline')}</h3>
      <div
        className="speaker-timeline"
        role="group"
        aria-label={t('speakers.timeline')}
        data-testid="speaker-timeline"
      >
        {spoken.map((segment) => (
          <button
            key={segment.id}
            type="button"
            className="speaker-turn"
            data-speaker={segment.speakerId}
            style={{
              left: percent(segment.startMs),
              width: percent(Math.max(segment.endMs - segment.startMs, meeting.durationMs / 400)),
              background: colour.get(segment.speakerId!),
            }}
            aria-label={t('speakers.turnAt', {
              name: name(segment.speakerId!),
              time: clock(segment.startMs),
            })}
            title={`${name(segment.speakerId!)} · ${clock(segment.startMs)}`}
            onClick={() => props.onPlay(segment.startMs)}
          />
        ))}
      </div>
      <ul className="speaker-legend" data-testid="speaking-time">
        {meeting.speakers
          .filter((s) => times.has(s.id))
          .sort((a, b) => (times.get(b.id) ?? 0) - (times.get(a.id) ?? 0))
          .map((s) => (
            <li key={s.id} data-speaker={s.id}>
              <span
                className="swatch"
                style={{ background: colour.get(s.id) }}
                aria-hidden="true"
              />
              <span translate="no">{s.name}</span>{' '}
              <span className="hint">
                {t('speakers.time', { time: duration(times.get(s.id)!, locale) })}
              </span>
              {s.id.startsWith('voice') && !kept.includes(s.id) && consentFor !== s.id && (
                <button type="button" className="link" onClick={() => setConsentFor(s.id)}>
                  {t('speakers.remember')}
                </button>
              )}
              {kept.includes(s.id) && <span className="hint"> {t('speakers.remembered')}</span>}
              {consentFor === s.id && (
                <form
                  className="consent"
                  onSubmit={(event) => {
                    event.preventDefault();
                    void remember(s.id);
                  }}
                >
                  <label>
                    {t('speakers.consentBy')}
                    <input
                      value={consentBy}
                      onChange={(e) => setConsentBy(e.target.value)}
                      maxLength={200}
                    />
                  </label>
                  <label>
                    {t('speakers.consentNote')}
                    <input
                      value={consentNote}
                      onChange={(e) => setConsentNote(e.target.value)}
                      maxLength={500}
                    />
                  </label>
                  <button type="submit">{t('speakers.keepVoice')}</button>
                </form>
              )}
            </li>
          ))}
      </ul>
      {suggestions.length > 0 && (
        <ul className="voice-suggestions" data-testid="voice-suggestions">
          {suggestions.map((s) => (
            <li key={s.speakerId}>
              {t('speakers.suggestion', {
                speaker: name(s.speakerId),
                name: s.name,
                score: score(s.score),
              })}{' '}
              <button type="button" onClick={() => void act('voices.confirm', s.speakerId)}>
                {t('speakers.confirm')}
              </button>{' '}
              <button type="button" onClick={() => void act('voices.reject', s.speakerId)}>
                {t('speakers.reject')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
