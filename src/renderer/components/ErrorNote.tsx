import { forwardRef, useRef } from 'react';
import { describeError } from '../i18n/errors.js';
import { useI18n } from '../i18n/i18n.js';
import { duration, percent } from '../format.js';

/**
 * An error as the user should read it, in the UI's language: what went wrong,
 * then what to do. Never the core's English words in French, never a raw code.
 */
export const ErrorNote = forwardRef<HTMLDivElement, { error: unknown; id?: string }>(
  function ErrorNote({ error, id }, ref) {
    const { t, locale } = useI18n();
    if (!error) return null;
    const said = describeError(error, locale);
    return (
      <div role="alert" className="error" id={id} ref={ref} tabIndex={-1}>
        <strong>{t('error.title')}</strong> <span>{said.message}</span>
        {said.hint && <p className="hint">{said.hint}</p>}
      </div>
    );
  },
);

/**
 * A job's progress: a labelled bar with its percentage in words and, once
 * the pace is known, the time left; « en attente » while the job waits its turn.
 */
export function ProgressBar({
  value,
  label,
  queued = false,
}: {
  value: number | undefined;
  label: string;
  queued?: boolean;
}) {
  const { t, locale } = useI18n();
  const left = useTimeLeft(queued ? undefined : value);
  const state = queued
    ? t('job.queued')
    : value === undefined
      ? t('job.running')
      : percent(value, locale) +
        (left === undefined ? '' : ` · ${t('job.eta', { time: duration(left, locale) })}`);
  return (
    <span className="progress-line">
      <span className="progress-label">
        {label} · {state}
      </span>
      <progress
        aria-label={label}
        aria-valuetext={state}
        max={1}
        {...(value === undefined || queued ? {} : { value })}
        className="progress"
      />
    </span>
  );
}

/**
 * Time left from the pace seen so far on this screen: measured from the first
 * progress this bar showed, said only once a few seconds and percent have passed.
 */
function useTimeLeft(value: number | undefined): number | undefined {
  const first = useRef<{ at: number; value: number } | undefined>(undefined);
  if (value === undefined) return undefined;
  const now = performance.now();
  first.current ??= { at: now, value };
  const done = value - first.current.value;
  const elapsed = now - first.current.at;
  if (done < 0.05 || elapsed < 3000 || value >= 1) return undefined;
  return Math.max(1000, (elapsed * (1 - value)) / done);
}
