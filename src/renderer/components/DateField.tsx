import { useId, useState } from 'react';
import { parseDay } from '../format.js';
import { useI18n } from '../i18n/i18n.js';

/**
 * A day typed as the UI's language writes it (jj/mm/aaaa), drawn by the app:
 * a browser's own date field shows the browser's language and format, not
 * the UI's. Gives ISO days (or '' when emptied); a day that does not exist
 * is said under the field and leaves the value as it was.
 */
export function DateField(props: {
  label: string;
  value: string;
  onChange(iso: string): void;
  testId?: string;
}) {
  const { t } = useI18n();
  const errorId = useId();
  const [text, setText] = useState(() => (props.value ? isoToDay(props.value) : ''));
  const invalid = text.trim() !== '' && parseDay(text) === undefined;

  function change(next: string) {
    setText(next);
    if (next.trim() === '') props.onChange('');
    else {
      const iso = parseDay(next);
      if (iso) props.onChange(iso);
    }
  }

  return (
    <label>
      {props.label}
      <input
        type="text"
        inputMode="numeric"
        autoComplete="off"
        placeholder={t('audit.sinceFormat')}
        value={text}
        onChange={(event) => change(event.target.value)}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? errorId : undefined}
        data-testid={props.testId}
      />
      {invalid && (
        <span
          className="field-error"
          id={errorId}
          data-testid={props.testId && `${props.testId}-error`}
        >
          {t('audit.sinceInvalid')}
        </span>
      )}
    </label>
  );
}

/** 2026-11-03 → 03/11/2026. */
function isoToDay(iso: string): string {
  const [year, month, day] = iso.split('-');
  return `${day}/${month}/${year}`;
}
