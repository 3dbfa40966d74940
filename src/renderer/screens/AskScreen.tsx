import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiCallError, type AnswerView } from '../../shared/api.js';
import type { LanguageChoice } from '../../shared/transcript.js';
import { useApi } from '../api/context.js';
import type { Route } from '../App.js';
import { pcmToBytes, startCapture, type Capture } from '../audio/capture.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { LanguageField } from '../components/LanguageField.js';
import { bytesToBase64, clock } from '../format.js';
import { useI18n, type MessageKey } from '../i18n/i18n.js';

/** Hold this key (outside text fields) to speak a question. */
export const PUSH_TO_TALK_KEY = 'F2';

export function AskScreen({
  open,
  spokenAnswers = true,
}: {
  open(route: Route): void;
  /** False when the machine policy turned spoken answers off. */
  spokenAnswers?: boolean;
}) {
  const api = useApi();
  const { t, locale } = useI18n();
  const [text, setText] = useState('');
  const [language, setLanguage] = useState<LanguageChoice>(locale);
  /** The question on screen: answers to earlier ones are ignored. */
  const asked = useRef<string | undefined>(undefined);
  const [stage, setStage] = useState<MessageKey | undefined>();
  const [heard, setHeard] = useState<string | undefined>();
  const [partial, setPartial] = useState('');
  const [answer, setAnswer] = useState<AnswerView | undefined>();
  const [error, setError] = useState<unknown>();
  const [listening, setListening] = useState(false);
  const [speech, setSpeech] = useState<MessageKey | undefined>();
  const capture = useRef<Capture | undefined>(undefined);
  const chunks = useRef<Int16Array[]>([]);
  const starting = useRef<Promise<void> | undefined>(undefined);

  // Listening starts before asking: a question with no passage can be answered
  // before the call itself returns, and that answer must not be missed.
  useEffect(() => {
    const mine = (id: string) => id === asked.current;
    const offs = [
      api.on('ask.progress', (event) => {
        if (!mine(event.questionId)) return;
        setStage(`ask.stage.${event.stage}` as MessageKey);
        if (event.question) setHeard(event.question);
      }),
      api.on('ask.token', (event) => {
        if (mine(event.questionId)) setPartial((current) => current + event.text);
      }),
      api.on('ask.answer', (event) => {
        if (!mine(event.questionId)) return;
        setAnswer(event.answer);
        setStage(undefined);
      }),
      api.on('ask.failed', (event) => {
        if (!mine(event.questionId)) return;
        setError(new ApiCallError(event.error));
        setStage(undefined);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [api]);

  async function ask(input: { text?: string; audio?: string }) {
    setError(undefined);
    setAnswer(undefined);
    setSpeech(undefined);
    setPartial('');
    setHeard(undefined);
    setStage('ask.stage.searching');
    const questionId = `q${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
    asked.current = questionId;
    try {
      await api.call('ask.question', { ...input, language, questionId });
    } catch (caught) {
      setStage(undefined);
      setError(caught);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (text.trim()) void ask({ text: text.trim() });
  }

  async function startListening() {
    if (capture.current || starting.current) return;
    chunks.current = [];
    setListening(true);
    starting.current = startCapture({ onChunk: (pcm) => chunks.current.push(pcm) })
      .then((value) => {
        capture.current = value;
      })
      .catch((caught: unknown) => {
        setListening(false);
        setError(caught);
      });
    await starting.current;
    starting.current = undefined;
  }

  async function stopListening() {
    await starting.current;
    const active = capture.current;
    if (!active) return;
    capture.current = undefined;
    await active.stop();
    setListening(false);
    const total = chunks.current.reduce((sum, chunk) => sum + chunk.length, 0);
    if (total === 0) return;
    const pcm = new Int16Array(total);
    let offset = 0;
    for (const chunk of chunks.current) {
      pcm.set(chunk, offset);
      offset += chunk.length;
    }
    void ask({ audio: bytesToBase64(pcmToBytes(pcm)) });
  }

  // Hold F2 anywhere on this screen to speak; release to send.
  useEffect(() => {
    const down = (event: KeyboardEvent) => {
      if (event.key !== PUSH_TO_TALK_KEY || event.repeat) return;
      event.preventDefault();
      void startListening();
    };
    const up = (event: KeyboardEvent) => {
      if (event.key !== PUSH_TO_TALK_KEY) return;
      event.preventDefault();
      void stopListening();
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  });

  function readAloud(value: AnswerView) {
    setSpeech(undefined);
    const synth = typeof speechSynthesis === 'undefined' ? undefined : speechSynthesis;
    const lang = value.language === 'fr' ? 'fr' : 'en';
    // A system with no voice at all (or none for this language) would stay silent: say so.
    const voices = synth?.getVoices() ?? [];
    const voice = voices.find((v) => v.lang.toLowerCase().startsWith(lang)) ?? voices[0];
    if (!synth || !voice) {
      setSpeech('ask.noVoice');
      return;
    }
    const utterance = new SpeechSynthesisUtterance(value.found ? value.answer : t('ask.notFound'));
    utterance.voice = voice;
    utterance.lang = voice.lang;
    utterance.onstart = () => setSpeech('ask.speaking');
    utterance.onend = () => setSpeech(undefined);
    utterance.onerror = (event) =>
      setSpeech(
        event.error === 'interrupted' || event.error === 'canceled' ? undefined : 'ask.noVoice',
      );
    synth.cancel();
    synth.speak(utterance);
  }

  return (
    <section data-screen="ask" aria-labelledby="ask-title">
      <h1 id="ask-title">{t('ask.title')}</h1>
      <form onSubmit={submit} className="ask-form">
        <label>
          {t('ask.question')}
          <textarea
            name="question"
            value={text}
            onChange={(event) => setText(event.target.value)}
            rows={2}
          />
        </label>
        <LanguageField label={t('record.language')} value={language} onChange={setLanguage} />
        <div className="actions">
          <button type="submit" className="primary" disabled={!text.trim()}>
            {t('ask.send')}
          </button>
          <button
            type="button"
            data-testid="push-to-talk"
            aria-pressed={listening}
            aria-keyshortcuts={PUSH_TO_TALK_KEY}
            onPointerDown={() => void startListening()}
            onPointerUp={() => void stopListening()}
            onPointerLeave={() => listening && void stopListening()}
            onKeyDown={(event) => {
              if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) {
                event.preventDefault();
                void startListening();
              }
            }}
            onKeyUp={(event) => {
              if (event.key === ' ' || event.key === 'Enter') {
                event.preventDefault();
                void stopListening();
              }
            }}
          >
            {listening ? t('ask.listening') : t('ask.holdToTalk', { key: PUSH_TO_TALK_KEY })}
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {stage && (
        <p role="status" data-testid="ask-stage">
          {t(stage)}
        </p>
      )}
      {heard && (
        <p>
          {t('ask.heard')}{' '}
          <q data-testid="heard" translate="no">
            {heard}
          </q>
        </p>
      )}
      {partial && !answer && (
        <p className="partial" aria-live="polite" data-testid="partial-answer" translate="no">
          {partial}
        </p>
      )}
      {answer && (
        <article className="answer" data-testid="answer" data-found={answer.found}>
          <h2>{t('ask.answer')}</h2>
          <p aria-live="polite" translate={answer.found ? 'no' : undefined}>
            {answer.found ? answer.answer : t('ask.notFound')}
          </p>
          {answer.citations.length > 0 && (
            <>
              <h3>{t('ask.citations')}</h3>
              <ul>
                {answer.citations.map((citation) => (
                  <li key={`${citation.meetingId}-${citation.segmentId}`}>
                    <button
                      type="button"
                      className="cite"
                      data-citation={citation.segmentId}
                      onClick={() =>
                        open({ name: 'meeting', id: citation.meetingId, atMs: citation.startMs })
                      }
                    >
                      <span translate="no">{citation.meetingTitle ?? citation.meetingId}</span> ·{' '}
                      {clock(citation.startMs)}
                      {citation.speaker ? ` · ${citation.speaker}` : ''}
                    </button>{' '}
                    <q translate="no">{citation.quote}</q>
                  </li>
                ))}
              </ul>
            </>
          )}
          {spokenAnswers && (
            <button type="button" data-testid="read-aloud" onClick={() => readAloud(answer)}>
              {t('ask.readAloud')}
            </button>
          )}
          {speech && (
            <p role="status" data-testid="speech-status">
              {t(speech)}
            </p>
          )}
        </article>
      )}
    </section>
  );
}
