import { useEffect, useRef, useState } from 'react';
import { ApiCallError } from '../../shared/api.js';
import { IMPORT_CHUNK_BYTES, type ImportProbeView } from '../../shared/import-api.js';
import type { LanguageChoice } from '../../shared/transcript.js';
import { useApi } from '../api/context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import type { ImportWarningView } from '../components/ImportWarnings.js';
import { LanguageField } from '../components/LanguageField.js';
import { bytesToBase64, duration, fileSize, percent } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { importFacts } from '../import-facts.js';

/** Files the picker offers; the core still decides from the content, not from this list. */
const ACCEPT = 'audio/*,video/mp4,video/webm,.m4a,.opus,.flac,.ogg,.mp3,.wav';

type Step =
  | { name: 'idle' }
  | { name: 'sending'; fraction: number }
  | { name: 'probed'; importId: string; probe: ImportProbeView }
  | { name: 'refused'; probe: ImportProbeView }
  | { name: 'importing'; importId: string; fraction: number; etaMs?: number };

/**
 * « Importer un enregistrement »: the file is sent in 1 MiB chunks (under the
 * browser host's request limit) to the app's sealed staging, probed (format,
 * length, channels, or why it is refused, in the user's language), then,
 * once confirmed, imported into a new meeting that opens when done with its
 * transcription queued. Cancelling removes the upload and any half meeting.
 */
export function ImportPanel({
  onImported,
}: {
  /** The meeting made, and the damage stepped over (shown on the meeting, by time). */
  onImported: (meetingId: string, warnings: ImportWarningView[]) => void;
}) {
  const api = useApi();
  const { t, locale } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [step, setStep] = useState<Step>({ name: 'idle' });
  const [error, setError] = useState<unknown>();
  const [title, setTitle] = useState('');
  const [language, setLanguage] = useState<LanguageChoice>(locale === 'fr' ? 'fr' : 'en');
  const current = useRef<string | undefined>(undefined);
  // The latest callback, so the event subscriptions below are made once.
  const imported = useRef(onImported);
  imported.current = onImported;

  useEffect(() => {
    const offProgress = api.on('import.progress', (event) => {
      if (event.importId !== current.current) return;
      setStep({
        name: 'importing',
        importId: event.importId,
        fraction: event.fraction,
        ...(event.etaMs !== undefined ? { etaMs: event.etaMs } : {}),
      });
    });
    const offFinished = api.on('import.finished', (event) => {
      if (event.importId !== current.current) return;
      current.current = undefined;
      setStep({ name: 'idle' });
      imported.current(event.meetingId, event.warnings);
    });
    const offFailed = api.on('import.failed', (event) => {
      if (event.importId !== current.current) return;
      current.current = undefined;
      setStep({ name: 'idle' });
      // A cancel the user asked for is not a problem to report.
      if (event.error.code !== 'cancelled') setError(new ApiCallError(event.error));
    });
    return () => {
      offProgress();
      offFinished();
      offFailed();
    };
  }, [api]);

  const send = async (file: File) => {
    setError(undefined);
    setStep({ name: 'sending', fraction: 0 });
    const { importId } = await api.call('import.begin', { fileName: file.name, size: file.size });
    current.current = importId;
    try {
      for (let offset = 0; offset < file.size; offset += IMPORT_CHUNK_BYTES) {
        if (current.current !== importId) return;
        const bytes = new Uint8Array(
          await file.slice(offset, offset + IMPORT_CHUNK_BYTES).arrayBuffer(),
        );
        await api.call('import.chunk', { importId, offset, base64: bytesToBase64(bytes) });
        setStep({ name: 'sending', fraction: Math.min(1, (offset + bytes.length) / file.size) });
      }
      if (current.current !== importId) return;
      const probe = await api.call('import.probe', { importId });
      if (probe.refusal) {
        current.current = undefined;
        setStep({ name: 'refused', probe });
        return;
      }
      setTitle(file.name.replace(/\.[^.]+$/, '') || file.name);
      setStep({ name: 'probed', importId, probe });
    } catch (failure) {
      current.current = undefined;
      await api.call('import.cancel', { importId }).catch(() => undefined);
      throw failure;
    }
  };

  const choose = (file: File | undefined) => {
    if (input.current) input.current.value = '';
    if (!file) return;
    send(file).catch((failure: unknown) => {
      setStep({ name: 'idle' });
      setError(failure);
    });
  };

  const start = (importId: string) => {
    setStep({ name: 'importing', importId, fraction: 0 });
    api
      .call('import.start', { importId, title: title.trim() || t('import.untitled'), language })
      .catch((failure: unknown) => {
        current.current = undefined;
        setStep({ name: 'idle' });
        setError(failure);
      });
  };

  const cancel = () => {
    const importId = current.current;
    current.current = undefined;
    setStep({ name: 'idle' });
    if (importId) void api.call('import.cancel', { importId }).catch(setError);
  };

  const busy = step.name === 'sending' || step.name === 'importing';
  return (
    <div className="import-panel" data-testid="import-panel" data-step={step.name}>
      <button type="button" disabled={busy} onClick={() => input.current?.click()}>
        {t('import.button')}
      </button>
      <input
        ref={input}
        type="file"
        hidden
        accept={ACCEPT}
        aria-label={t('import.file')}
        data-testid="import-file"
        onChange={(event) => choose(event.target.files?.[0])}
      />
      <ErrorNote error={error} />
      {error !== undefined && (
        <button type="button" data-testid="import-error-close" onClick={() => setError(undefined)}>
          {t('import.close')}
        </button>
      )}
      {step.name === 'sending' && (
        <ImportProgress label={t('import.sending')} fraction={step.fraction} onCancel={cancel} />
      )}
      {step.name === 'importing' && (
        <ImportProgress
          label={t('import.importing')}
          fraction={step.fraction}
          {...(step.etaMs !== undefined ? { etaMs: step.etaMs } : {})}
          onCancel={cancel}
        />
      )}
      {(step.name === 'probed' || step.name === 'refused') && (
        <section className="import-probe" aria-labelledby="import-probe-title">
          <h2 id="import-probe-title">
            {t('import.probeTitle')} <span translate="no">{step.probe.fileName}</span>
          </h2>
          <ProbeFacts probe={step.probe} />
          {step.name === 'refused' && (
            <>
              <ErrorNote error={new ApiCallError(step.probe.refusal!)} />
              <button type="button" onClick={() => setStep({ name: 'idle' })}>
                {t('import.close')}
              </button>
            </>
          )}
          {step.name === 'probed' && (
            <form
              onSubmit={(event) => {
                event.preventDefault();
                start(step.importId);
              }}
            >
              <label>
                {t('import.meetingTitle')}
                <input value={title} maxLength={300} onChange={(e) => setTitle(e.target.value)} />
              </label>
              <LanguageField label={t('import.language')} value={language} onChange={setLanguage} />
              <button type="submit" className="primary">
                {t('import.confirm')}
              </button>
              <button type="button" onClick={cancel}>
                {t('common.cancel')}
              </button>
            </form>
          )}
        </section>
      )}
    </div>
  );
}

function ProbeFacts({ probe }: { probe: ImportProbeView }) {
  const { t, locale } = useI18n();
  const { format, length, channels } = importFacts(probe, t, locale);
  return (
    <dl className="import-facts">
      <dt>{t('import.format')}</dt>
      <dd translate="no">{format}</dd>
      <dt>{t('import.duration')}</dt>
      <dd data-testid="import-duration">{length}</dd>
      <dt>{t('import.channels')}</dt>
      <dd>{channels}</dd>
      <dt>{t('import.size')}</dt>
      <dd>{fileSize(probe.bytes, locale)}</dd>
    </dl>
  );
}

function ImportProgress(props: {
  label: string;
  fraction: number;
  etaMs?: number;
  onCancel: () => void;
}) {
  const { t, locale } = useI18n();
  const said =
    percent(props.fraction, locale) +
    (props.etaMs === undefined
      ? ''
      : ` · ${t('job.eta', { time: duration(props.etaMs, locale) })}`);
  return (
    <p className="progress-line" data-testid="import-progress">
      <span className="progress-label">
        {props.label} · {said}
      </span>
      <progress aria-label={props.label} aria-valuetext={said} max={1} value={props.fraction} />
      <button type="button" onClick={props.onCancel}>
        {t('import.cancel')}
      </button>
    </p>
  );
}
