import { ApiCallError } from '../../shared/api.js';
import { useI18n, type MessageKey } from '../i18n/i18n.js';

/**
 * An error as the user should read it: what went wrong, then what to do. The
 * core's messages arrive as plain strings and are rendered as text.
 */
export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  let message = error instanceof Error ? error.message : String(error);
  let hint = error instanceof ApiCallError ? error.hint : undefined;
  // Errors the user meets often are said in the UI's language; others keep the core's words.
  if (error instanceof ApiCallError) {
    const key = `error.${error.code}` as MessageKey;
    if (t(key) !== key) {
      message = t(key);
      hint = t(`${key}.hint` as MessageKey);
    }
  }
  return (
    <div role="alert" className="error">
      <strong>{t('error.title')}</strong> <span>{message}</span>
      {hint && <p className="hint">{hint}</p>}
    </div>
  );
}

export function ProgressBar({ value, label }: { value: number | undefined; label: string }) {
  return (
    <progress
      aria-label={label}
      max={1}
      {...(value === undefined ? {} : { value })}
      className="progress"
    />
  );
}
