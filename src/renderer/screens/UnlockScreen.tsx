import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { VaultState } from '../../shared/api.js';
import { useApi } from '../api/context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { PassphraseMeter, usePassphraseVerdict } from '../components/PassphraseMeter.js';
import { uiError } from '../i18n/errors.js';
import { useI18n } from '../i18n/i18n.js';

export function UnlockScreen(props: {
  vault: Exclude<VaultState, 'unlocked'>;
  lockedByIdle: boolean;
  onUnlocked(): void;
  /** The machine policy's passphrase minimum, if any. */
  minPassphraseLength?: number;
}) {
  const api = useApi();
  const { t } = useI18n();
  const creating = props.vault === 'absent';
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const verdict = usePassphraseVerdict(creating ? passphrase : '', props.minPassphraseLength);
  const field = useRef<HTMLInputElement>(null);

  // After a refusal the focus goes back to the passphrase, which the error describes.
  useEffect(() => {
    if (!error || busy) return;
    field.current?.focus();
    field.current?.select();
  }, [error, busy]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    // Said by the page, not by the browser's own bubble (drawn in the browser's language).
    if (!passphrase) {
      setError(uiError('passphrase-empty'));
      return;
    }
    if (creating && passphrase !== confirm) {
      setError(uiError('passphrase-mismatch'));
      return;
    }
    setBusy(true);
    try {
      await api.call(creating ? 'vault.create' : 'vault.unlock', { passphrase });
      setPassphrase('');
      setConfirm('');
      props.onUnlocked();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="unlock" data-screen="unlock" id="main">
      <h1>{t('app.title')}</h1>
      <p className="tagline">{t('app.tagline')}</p>
      <form onSubmit={(event) => void submit(event)} aria-busy={busy} noValidate>
        <h2>{creating ? t('unlock.createTitle') : t('unlock.title')}</h2>
        {props.lockedByIdle && <p role="status">{t('unlock.lockedIdle')}</p>}
        {creating && <p>{t('unlock.createHelp')}</p>}
        <label>
          {t('unlock.passphrase')}
          <input
            type="password"
            name="passphrase"
            autoComplete={creating ? 'new-password' : 'current-password'}
            value={passphrase}
            onChange={(event) => setPassphrase(event.target.value)}
            ref={field}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'unlock-error' : undefined}
            required
            autoFocus
          />
        </label>
        {creating && (
          <>
            <PassphraseMeter verdict={verdict} />
            <label>
              {t('unlock.confirm')}
              <input
                type="password"
                name="confirm"
                autoComplete="new-password"
                value={confirm}
                onChange={(event) => setConfirm(event.target.value)}
                required
              />
            </label>
          </>
        )}
        <button type="submit" disabled={busy || (creating && verdict?.ok === false)}>
          {creating ? t('unlock.create') : t('unlock.unlock')}
        </button>
        <ErrorNote error={error} id="unlock-error" />
      </form>
    </main>
  );
}
