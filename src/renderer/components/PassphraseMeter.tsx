import { useDeferredValue, useMemo } from 'react';
import {
  assessPassphrase,
  passphraseAdvice,
  type PassphraseVerdict,
} from '../../shared/passphrase.js';
import { useI18n } from '../i18n/i18n.js';

/**
 * The rule the vault applies (src/shared/passphrase.ts), judged as the clerk
 * types: the same words as the CLI and the vault's refusal. Estimation runs
 * on a deferred copy of the value so typing stays fluid.
 */
export function usePassphraseVerdict(
  passphrase: string,
  /** The machine policy's minimum, when it raises the rule's. */
  minLength?: number,
): PassphraseVerdict | undefined {
  const { locale } = useI18n();
  const deferred = useDeferredValue(passphrase);
  return useMemo(
    () =>
      deferred
        ? assessPassphrase(deferred, { locale, ...(minLength ? { minLength } : {}) })
        : undefined,
    [deferred, locale, minLength],
  );
}

/** Silent while the field is empty; then the strength and, when refused, why. */
export function PassphraseMeter({ verdict }: { verdict: PassphraseVerdict | undefined }) {
  const { t } = useI18n();
  if (!verdict) return null;
  return (
    <p
      className={`strength s${verdict.ok ? 3 : 0}`}
      aria-live="polite"
      data-testid="strength"
      data-ok={verdict.ok}
    >
      {t('unlock.strengthLine', { level: verdict.label })}
      {verdict.problem && ` — ${passphraseAdvice(verdict)}`}
    </p>
  );
}
