import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { AskReadinessNotes, useAskReadiness } from '../ask/AskReadiness.js';
import { useRevealNewest } from '../ask/reveal.js';
import { useVoiceAvailability } from '../ask/voice-availability.js';
import type { AnswerView, CitationView } from '../../shared/api.js';
import type { LanguageChoice } from '../../shared/transcript.js';
import { useApi } from '../api/context.js';
import type { Route } from '../App.js';
import { conversationFor, evidencePlace, type TurnView } from '../ask/conversation.js';
import { conversationMarkdown } from '../ask/conversation-file.js';
import { apiVoiceSource, type NeuralVoiceSource } from '../ask/neural-voice.js';
import { createSpeaker, type SpeechState } from '../ask/speech.js';
import { pcmToBytes, startCapture, type Capture } from '../audio/capture.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { LanguageField } from '../components/LanguageField.js';
import { bytesToBase64, clock } from '../format.js';
import { useI18n, type MessageKey } from '../i18n/i18n.js';

/** Hold this key (outside text fields) to speak a question; press it again to stop speech. */
export const PUSH_TO_TALK_KEY = 'F2';

/** A call in flight for the held question. */
type Pending = Promise<unknown>;

export function AskScreen({
  open,
  spokenAnswers = true,
  exportsOff = false,
}: {
  open(route: Route): void;
  /** False when the machine policy turned spoken answers off. */
  spokenAnswers?: boolean;
  /** The machine policy turned exports off: a saved conversation would be one (quotes of meetings). */
  exportsOff?: boolean;
}) {
  const api = useApi();
  const { t, locale } = useI18n();
  const [text, setText] = useState('');
  const [language, setLanguage] = useState<LanguageChoice>(locale);
  // The conversation outlives this screen (opening a cited meeting and coming back keeps it).
  const store = conversationFor(api);
  const { turns, stage } = useSyncExternalStore(store.subscribe, store.getState);
  const setStage = (next: MessageKey | undefined) => store.setStage(next);
  const [error, setError] = useState<unknown>();
  const [listening, setListening] = useState(false);
  const [readAnswers, setReadAnswers] = useState(true);
  const readRef = useRef(readAnswers);
  readRef.current = readAnswers;
  const [speech, setSpeech] = useState<SpeechState>('idle');
  // The installed neural voice reads answers when it has the language; else the system's voices.
  const neural = useRef<NeuralVoiceSource | undefined>(undefined);
  neural.current ??= apiVoiceSource(api);
  const speaker = useRef(createSpeaker(setSpeech, neural.current));
  // No voice at all: the « read aloud » controls are disabled and say why (finding 19).
  const canSay = useVoiceAvailability(neural.current);
  // What is missing is said up front; without a transcription model the key is off.
  const ready = useAskReadiness(api);
  const canListen = ready.hasAsrModel !== false;
  const anyVoice = canSay('fr') || canSay('en');
  const noVoiceReason = spokenAnswers && !anyVoice && speech !== 'no-voice';
  const capture = useRef<Capture | undefined>(undefined);
  const starting = useRef<Promise<void> | undefined>(undefined);
  /** Calls for the held question, in order: listen, audio chunks, end. */
  const sending = useRef<Pending>(Promise.resolve());
  const heldSamples = useRef(0);
  /** The held question's id (the conversation may have been reset meanwhile, by a lock). */
  const heldId = useRef('');

  const update = (questionId: string, change: (turn: TurnView) => TurnView) =>
    store.update(questionId, change);
  const speechLanguage = (): 'fr' | 'en' => (language === 'auto' ? locale : language);
  const say = (value: string, lang: 'fr' | 'en' = speechLanguage()) => {
    if (spokenAnswers && readRef.current) speaker.current.say(value, lang);
  };

  // What is said aloud, while this screen is open (the store keeps what is shown).
  // Listening starts before asking: a question with no passage can be answered
  // before the call itself returns, and that answer must not be missed.
  useEffect(() => {
    const mine = (id: string) => id === store.getState().asked;
    const offs = [
      api.on('ask.evidence', (event) => {
        if (mine(event.questionId)) say(event.spoken);
      }),
      api.on('ask.sentence', (event) => {
        if (mine(event.questionId)) say(event.text);
      }),
      api.on('ask.answer', (event) => {
        // What was said from the stream was not checked yet: a not-found answer corrects it.
        if (mine(event.questionId) && !event.answer.found) {
          speaker.current.stop();
          say(t('ask.notFound'), event.answer.language);
        }
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [api]);

  // Leaving the screen stops speech (nothing keeps talking over another screen), and a
  // question still held ends as if the key were released there: the key's release
  // happens on another screen, and the microphone must not stay on (walk 5, H1).
  useEffect(
    () => () => {
      speaker.current.stop();
      void stopListening();
    },
    [],
  );

  function begin(question?: string): string {
    speaker.current.stop();
    setError(undefined);
    return store.begin(question);
  }

  async function askTyped(question: string) {
    const questionId = begin(question);
    setStage('ask.stage.searching');
    try {
      await api.call('ask.question', {
        text: question,
        language,
        questionId,
        conversationId: store.getState().conversationId,
      });
    } catch (caught) {
      setStage(undefined);
      update(questionId, (turn) => ({ ...turn, error: caught }));
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (text.trim()) {
      void askTyped(text.trim());
      setText('');
    }
  }

  function send(call: () => Pending) {
    sending.current = sending.current.then(call).catch((caught: unknown) => setError(caught));
  }

  async function startListening() {
    // Barge-in: the key pressed again silences the answer first.
    speaker.current.stop();
    if (!canListen || capture.current || starting.current) return;
    const questionId = begin();
    heldId.current = questionId;
    heldSamples.current = 0;
    setListening(true);
    setStage('ask.stage.listening');
    sending.current = Promise.resolve();
    send(() =>
      api.call('ask.listen', {
        questionId,
        language,
        conversationId: store.getState().conversationId,
      }),
    );
    starting.current = startCapture({
      onChunk: (pcm) => {
        heldSamples.current += pcm.length;
        const bytes = bytesToBase64(pcmToBytes(pcm));
        send(() => api.call('ask.listenAudio', { questionId, pcm: bytes }));
      },
    })
      .then((value) => {
        capture.current = value;
      })
      .catch((caught: unknown) => {
        setListening(false);
        setStage(undefined);
        setError(caught);
        send(() => api.call('ask.listenEnd', { questionId, cancel: true }));
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
    const questionId = heldId.current;
    const cancel = heldSamples.current === 0;
    if (cancel) {
      setStage(undefined);
      store.remove(questionId);
    } else setStage('ask.stage.transcribing');
    send(() => api.call('ask.listenEnd', { questionId, ...(cancel ? { cancel } : {}) }));
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
    // The window lost the focus with the key down: its release will never come here.
    const blur = () => void stopListening();
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  });

  async function clearConversation() {
    speaker.current.stop();
    const old = store.reset();
    try {
      await api.call('ask.clearConversation', { conversationId: old });
    } catch (caught) {
      setError(caught);
    }
  }

  /**
   * The official chose to keep it: a Markdown file, the only copy outside memory. It quotes
   * meetings out of the vault, so the host audits it (or the policy refuses it) before it is written.
   */
  async function saveConversation() {
    let fileName: string;
    try {
      ({ fileName } = await api.call('ask.saveConversation', {
        conversationId: store.getState().conversationId,
      }));
    } catch (caught) {
      setError(caught);
      return;
    }
    const url = URL.createObjectURL(
      new Blob([conversationMarkdown(turns, t, locale, new Date())], { type: 'text/markdown' }),
    );
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  const cite = (citation: CitationView) => (
    <button
      type="button"
      className="cite"
      data-citation={citation.segmentId}
      onClick={() => open({ name: 'meeting', id: citation.meetingId, atMs: citation.startMs })}
    >
      <span translate="no">{citation.meetingTitle ?? citation.meetingId}</span> ·{' '}
      {clock(citation.startMs)}
      {citation.speaker ? ` · ${citation.speaker}` : ''}
    </button>
  );

  const current = turns.at(-1);
  // The newest turn stays in sight as its evidence, answer or error arrives (finding 5).
  const newest = useRevealNewest<HTMLLIElement>(current, stage);

  return (
    <section data-screen="ask" aria-labelledby="ask-title">
      <h1 id="ask-title">{t('ask.title')}</h1>
      <AskReadinessNotes ready={ready} onImportModels={() => open({ name: 'settings' })} />
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
        {spokenAnswers ? (
          <label className="check">
            <input
              type="checkbox"
              data-testid="read-answers"
              checked={readAnswers && anyVoice}
              disabled={!anyVoice}
              aria-describedby={noVoiceReason ? 'no-voice-reason' : undefined}
              onChange={(event) => {
                setReadAnswers(event.target.checked);
                if (!event.target.checked) speaker.current.stop();
              }}
            />
            {t('ask.readAnswers')}
          </label>
        ) : (
          <p className="hint" data-testid="spoken-off">
            {t('ask.spokenOffByPolicy')}
          </p>
        )}
        {noVoiceReason && (
          <p className="hint" id="no-voice-reason" data-testid="no-voice-reason">
            {t('ask.noVoice')}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={!text.trim()}>
            {t('ask.send')}
          </button>
          <button
            type="button"
            data-testid="push-to-talk"
            disabled={!canListen}
            aria-describedby={canListen ? undefined : 'ask-no-asr'}
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
          {speech === 'speaking' && (
            <button
              type="button"
              data-testid="stop-speaking"
              onClick={() => speaker.current.stop()}
            >
              {t('ask.stopSpeaking', { key: PUSH_TO_TALK_KEY })}
            </button>
          )}
        </div>
      </form>
      <ErrorNote error={error} />
      {speech !== 'idle' && (
        <p role="status" data-testid="speech-status" data-speech={speech}>
          {t(speech === 'speaking' ? 'ask.speaking' : 'ask.noVoice')}
        </p>
      )}
      {turns.length > 0 && (
        <section aria-labelledby="conversation-title" data-testid="conversation">
          <h2 id="conversation-title">{t('ask.conversation')}</h2>
          <p className="hint">{t('ask.conversationNote')}</p>
          <ol className="conversation">
            {turns.map((turn) => (
              <li
                key={turn.questionId}
                ref={turn === current ? newest : undefined}
                data-testid="turn"
                data-current={turn === current || undefined}
              >
                {turn.question && (
                  <p>
                    {t(turn.typed ? 'ask.asked' : 'ask.heard')}{' '}
                    <q data-testid="heard" translate="no">
                      {turn.question}
                    </q>
                  </p>
                )}
                {/* Said beside the question it is about: the top of the page is out of sight (walk 5, H2). */}
                {turn === current && stage && (
                  <p role="status" className="stage" data-testid="ask-stage" data-stage={stage}>
                    {t(stage)}
                  </p>
                )}
                {evidencePlace(turn) === 'first' && evidenceView(turn)}
                {turn.partial && !turn.answer && (
                  <p
                    className="partial"
                    aria-live="polite"
                    data-testid="partial-answer"
                    translate="no"
                  >
                    {turn.partial}
                  </p>
                )}
                <ErrorNote error={turn.error} />
                {turn.answer && answerView(turn.answer, turn === current)}
                {evidencePlace(turn) === 'nearest' && (
                  <div className="nearest-passage">
                    <p className="hint">{t('ask.nearestPassage')}</p>
                    {evidenceView(turn)}
                  </div>
                )}
              </li>
            ))}
          </ol>
          <div className="actions">
            <button
              type="button"
              data-testid="clear-conversation"
              onClick={() => void clearConversation()}
            >
              {t('ask.clearConversation')}
            </button>
            <button
              type="button"
              data-testid="save-conversation"
              onClick={() => void saveConversation()}
              disabled={exportsOff}
              aria-describedby={exportsOff ? 'conversation-exports-off' : undefined}
            >
              {t('ask.saveConversation')}
            </button>
          </div>
          {exportsOff && (
            <p className="hint" id="conversation-exports-off">
              {t('export.offByPolicy')}
            </p>
          )}
        </section>
      )}
    </section>
  );

  /** The verified passage said before the answer (or, after a « not found », the nearest one). */
  function evidenceView(turn: TurnView) {
    const evidence = turn.evidence!;
    return (
      <blockquote data-testid="evidence" data-place={evidencePlace(turn)} className="evidence">
        {evidencePlace(turn) === 'first' && <div className="hint">{t('ask.evidenceCaption')}</div>}
        <p translate="no">{evidence.spoken}</p>
        <p>{cite(evidence.citation)}</p>
      </blockquote>
    );
  }

  /** An answer of the conversation; only the latest is announced (aria-live). */
  function answerView(answer: AnswerView, latest: boolean) {
    return (
      <article
        className="answer"
        data-testid={latest ? 'answer' : 'earlier-answer'}
        data-found={answer.found}
      >
        <h3>{t('ask.answer')}</h3>
        <p aria-live={latest ? 'polite' : undefined} translate={answer.found ? 'no' : undefined}>
          {answer.found ? answer.answer : t('ask.notFound')}
        </p>
        {answer.citations.length > 0 && (
          <>
            <h4>{t('ask.citations')}</h4>
            <ul>
              {answer.citations.map((citation) => (
                <li key={`${citation.meetingId}-${citation.segmentId}`}>
                  {cite(citation)} <q translate="no">{citation.quote}</q>
                </li>
              ))}
            </ul>
          </>
        )}
        {spokenAnswers && (
          <button
            type="button"
            data-testid="read-aloud"
            disabled={!canSay(answer.language)}
            aria-describedby={noVoiceReason ? 'no-voice-reason' : undefined}
            onClick={() => {
              speaker.current.stop();
              speaker.current.say(
                answer.found ? answer.answer : t('ask.notFound'),
                answer.language,
              );
            }}
          >
            {t('ask.readAloud')}
          </button>
        )}
      </article>
    );
  }
}
