import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type {
  BlockedRequest,
  MachinePolicyView,
  ModelView,
  SettingsView,
} from '../../shared/api.js';
import { useApi } from '../api/context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { LanguageField } from '../components/LanguageField.js';
import { count, dateTime, fileSize } from '../format.js';
import { describeError, uiError, type ErrorCode } from '../i18n/errors.js';
import { useI18n, type MessageKey, type Translate } from '../i18n/i18n.js';
import { PassphraseMeter, usePassphraseVerdict } from '../components/PassphraseMeter.js';
import { PolicySection } from './PolicySection.js';
import { TemplatesPanel } from './TemplatesPanel.js';
import { VerifyPanel } from './VerifyPanel.js';
import { DecodingField } from './DecodingField.js';

export function SettingsScreen({
  onChanged,
  policy,
}: {
  onChanged(): Promise<unknown>;
  /** What the machine policy enforces (app.status). */
  policy?: MachinePolicyView;
}) {
  const api = useApi();
  const { t, locale, setLocale } = useI18n();
  const [models, setModels] = useState<ModelView[]>([]);
  const [settings, setSettings] = useState<SettingsView | undefined>();
  const [blocked, setBlocked] = useState<BlockedRequest[]>([]);
  const [folder, setFolder] = useState('');
  const [trustUnlisted, setTrustUnlisted] = useState(false);
  const [imported, setImported] = useState<{ count: number; skipped: string[] } | undefined>();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirmNext, setConfirmNext] = useState('');
  const [passNote, setPassNote] = useState<string | undefined>();
  const passNoteRef = useRef<HTMLParagraphElement>(null);
  // The passphrase form's errors show under it (the page's top is out of sight there).
  const [passError, setPassError] = useState<unknown>();
  const passErrorRef = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>();

  const load = useCallback(() => {
    Promise.all([
      api.call('models.list', {}),
      api.call('settings.get', {}),
      api.call('security.blocked', {}),
    ])
      .then(([m, s, b]) => {
        setModels(m);
        setSettings(s);
        setBlocked(b);
      })
      .catch(setError);
  }, [api]);

  useEffect(() => {
    load();
    return api.on('security.blocked', (entry) => setBlocked((list) => [entry, ...list]));
  }, [api, load]);

  // The auto-lock minutes as typed: kept on screen while refused, with why (finding 4).
  const [lockDraft, setLockDraft] = useState<string>();
  const [lockError, setLockError] = useState<unknown>();
  const lockTyped = useRef('');
  function typeLock(text: string) {
    setLockDraft(text);
    lockTyped.current = text;
    // "" while a number is half typed (« - »): nothing to save yet.
    if (text.trim() === '') return;
    // Only the answer for the latest keystroke speaks: "500" saved must not hide "5000" refused.
    const latest = () => lockTyped.current === text;
    api.call('settings.update', { autoLockMinutes: Number(text) }).then(
      (saved) => {
        setSettings(saved);
        if (!latest()) return;
        setLockDraft(undefined);
        setLockError(undefined);
      },
      (failure: unknown) => latest() && setLockError(failure),
    );
  }

  async function update(patch: Partial<SettingsView>) {
    try {
      setSettings(await api.call('settings.update', patch));
    } catch (caught) {
      setError(caught);
    }
  }

  async function importModels(event: FormEvent) {
    event.preventDefault();
    setImported(undefined);
    setError(undefined);
    try {
      const result = await api.call('models.import', { folder, trustUnlisted });
      setImported({ count: result.imported.length, skipped: result.skipped });
      load();
      await onChanged();
    } catch (caught) {
      setError(caught);
    }
  }

  async function makeDefault(model: ModelView) {
    setError(undefined);
    try {
      setModels(await api.call('models.setDefault', { kind: model.kind, path: model.path }));
      await onChanged();
    } catch (caught) {
      setError(caught);
    }
  }

  const nextVerdict = usePassphraseVerdict(next, policy?.minPassphraseLength);

  async function changePassphrase(event: FormEvent) {
    event.preventDefault();
    setPassNote(undefined);
    setPassError(undefined);
    if (next !== confirmNext) {
      setPassError(uiError('passphrase-confirm'));
      return;
    }
    try {
      await api.call('vault.changePassphrase', { current, next });
      setCurrent('');
      setNext('');
      setConfirmNext('');
      setPassNote(t('settings.passphraseChanged'));
    } catch (caught) {
      setPassError(caught);
    }
  }

  // The success line sits at the foot of a long page: bring it into view and announce it.
  useEffect(() => {
    if (!passNote) return;
    passNoteRef.current?.scrollIntoView({ block: 'nearest' });
    passNoteRef.current?.focus();
  }, [passNote]);
  useEffect(() => {
    if (!passError) return;
    passErrorRef.current?.scrollIntoView({ block: 'nearest' });
    passErrorRef.current?.focus();
  }, [passError]);

  return (
    <section data-screen="settings" aria-labelledby="settings-title">
      <h1 id="settings-title">{t('settings.title')}</h1>
      <ErrorNote error={error} />

      <section aria-labelledby="models-title">
        <h2 id="models-title">{t('settings.models')}</h2>
        {models.length === 0 && <p data-testid="no-models">{t('settings.noModels')}</p>}
        {models.length > 0 && (
          <table data-testid="models">
            <thead>
              <tr>
                <th scope="col">{t('settings.modelKind')}</th>
                <th scope="col">{t('settings.modelFile')}</th>
                <th scope="col">{t('settings.modelSize')}</th>
                <th scope="col">{t('settings.modelState')}</th>
              </tr>
            </thead>
            <tbody>
              {models.map((model) => (
                <tr key={model.path}>
                  <td>{t(`model.kind.${model.kind}` as MessageKey)}</td>
                  <td title={model.path}>
                    <span translate="no">{model.fileName}</span>
                    {model.isDefault ? (
                      ` (${t('settings.default')})`
                    ) : (
                      <>
                        {' '}
                        <button
                          type="button"
                          className="link"
                          aria-label={t('settings.makeDefaultOf', { file: model.fileName })}
                          onClick={() => void makeDefault(model)}
                        >
                          {t('settings.makeDefault')}
                        </button>
                      </>
                    )}
                  </td>
                  <td>{fileSize(model.sizeBytes, locale)}</td>
                  <td>{t(`model.state.${model.verification}` as MessageKey)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <form onSubmit={(event) => void importModels(event)} className="inline">
          <label>
            {t('settings.importFolder')}
            <input
              name="folder"
              value={folder}
              onChange={(event) => setFolder(event.target.value)}
              placeholder={t('settings.folderPlaceholder')}
            />
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={trustUnlisted}
              onChange={(event) => setTrustUnlisted(event.target.checked)}
            />
            {t('settings.trustUnlisted')}
          </label>
          <button type="submit" disabled={!folder.trim()}>
            {t('settings.import')}
          </button>
        </form>
        <p className="hint">{t('settings.importHelp')}</p>
        {imported && (
          <div role="status" data-testid="import-result">
            <p>{t('settings.importedCount', { n: count(imported.count, locale) })}</p>
            {imported.skipped.length > 0 && (
              <>
                <p>{t('settings.skippedTitle')}</p>
                <ul>
                  {imported.skipped.map((line, index) => (
                    <li key={index}>{skippedLine(line, t, locale)}</li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}
      </section>

      <section aria-labelledby="prefs-title">
        <h2 id="prefs-title">{t('settings.preferences')}</h2>
        <label>
          {t('settings.uiLanguage')}
          <select
            value={locale}
            disabled={Boolean(policy?.uiLanguage)}
            aria-describedby={policy?.uiLanguage ? 'ui-language-policy' : undefined}
            onChange={(event) => setLocale(event.target.value as 'fr' | 'en')}
          >
            <option value="fr">{t('language.nameFr')}</option>
            <option value="en">{t('language.nameEn')}</option>
          </select>
        </label>
        {policy?.uiLanguage && (
          <p className="hint" id="ui-language-policy">
            {t('policy.setByIt')}
          </p>
        )}
        {settings && (
          <>
            <LanguageField
              label={t('settings.meetingLanguage')}
              value={settings.defaultLanguage}
              onChange={(defaultLanguage) => void update({ defaultLanguage })}
            />
            <label>
              {t('settings.autoLock')}
              <input
                type="number"
                min={0}
                max={1440}
                disabled={policy?.autoLockMinutes !== undefined}
                aria-describedby={
                  policy?.autoLockMinutes !== undefined ? 'auto-lock-policy' : undefined
                }
                aria-invalid={lockError !== undefined || undefined}
                value={lockDraft ?? settings.autoLockMinutes}
                onChange={(event) => typeLock(event.target.value)}
              />
            </label>
            <ErrorNote error={lockError} />
            {policy?.autoLockMinutes !== undefined && (
              <p className="hint" id="auto-lock-policy">
                {t('policy.setByIt')}
              </p>
            )}
            {settings.finalDecoding && (
              <DecodingField
                value={settings.finalDecoding}
                lockedByPolicy={policy?.finalDecoding !== undefined}
                onChange={(finalDecoding) => void update({ finalDecoding })}
              />
            )}
          </>
        )}
      </section>

      {policy && <PolicySection policy={policy} />}

      <section aria-labelledby="pass-title">
        <h2 id="pass-title">{t('settings.passphrase')}</h2>
        <form onSubmit={(event) => void changePassphrase(event)} className="inline">
          <label>
            {t('settings.currentPassphrase')}
            <input
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(event) => setCurrent(event.target.value)}
            />
          </label>
          <label>
            {t('settings.newPassphrase')}
            <input
              type="password"
              autoComplete="new-password"
              value={next}
              onChange={(event) => setNext(event.target.value)}
            />
          </label>
          <PassphraseMeter verdict={nextVerdict} />
          <label>
            {t('settings.confirmPassphrase')}
            <input
              type="password"
              name="confirm-new-passphrase"
              autoComplete="new-password"
              value={confirmNext}
              onChange={(event) => setConfirmNext(event.target.value)}
            />
          </label>
          <button
            type="submit"
            disabled={!current || !next || !confirmNext || nextVerdict?.ok === false}
          >
            {t('settings.changePassphrase')}
          </button>
        </form>
        <ErrorNote error={passError} ref={passErrorRef} />
        {passNote && (
          <p role="status" ref={passNoteRef} tabIndex={-1} data-testid="passphrase-changed">
            {passNote}
          </p>
        )}
      </section>

      <TemplatesPanel />

      <VerifyPanel />

      <section aria-labelledby="blocked-title">
        <h2 id="blocked-title">{t('settings.blocked')}</h2>
        <p className="hint">{t('settings.blockedHelp')}</p>
        {blocked.length === 0 && <p>{t('settings.blockedNone')}</p>}
        {blocked.length > 0 && (
          <table data-testid="blocked-log">
            <thead>
              <tr>
                <th scope="col">{t('settings.blockedAt')}</th>
                <th scope="col">{t('settings.blockedUrl')}</th>
                <th scope="col">{t('settings.blockedBy')}</th>
              </tr>
            </thead>
            <tbody>
              {blocked.map((entry, index) => (
                <tr key={`${entry.at}-${index}`}>
                  <td>{dateTime(entry.at, locale)}</td>
                  <td className="url" translate="no">
                    {entry.url}
                  </td>
                  <td>
                    {t(`blocked.by.${entry.by}`)} · <BlockedDetail detail={entry.detail} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}

/**
 * One skipped file as "name — reason" in the UI's language. The core says
 * why in English ("name: reason"); the reasons it gives are recognised here.
 */
function skippedLine(line: string, t: Translate, locale: 'fr' | 'en'): string {
  const colon = line.indexOf(': ');
  const name = colon > 0 ? line.slice(0, colon) : line;
  const reason = colon > 0 ? line.slice(colon + 2) : '';
  const code: [RegExp, ErrorCode][] = [
    [/not in the model catalogue|checksum is not confirmed/, 'model-unlisted'],
    [/has the name of the catalogue/, 'model-checksum'],
    [/changed while it was being checked/, 'model-changing'],
    [/cut short|holds no model weights/, 'model-damaged'],
    // The machine policy's allow-list: IT's rule is named as the reason.
    [/not allowed by this machine's policy/, 'policy-model-refused'],
  ];
  const known = code.find(([pattern]) => pattern.test(reason));
  if (known) {
    const said = describeError(uiError(known[1]), locale);
    return `${name} — ${said.message} ${said.hint ?? ''}`.trim();
  }
  const key: MessageKey =
    reason === 'empty file'
      ? 'settings.skip.empty'
      : reason === 'not a model file'
        ? 'settings.skip.notModel'
        : reason === 'a folder (import it on its own)'
          ? 'settings.skip.folder'
          : reason === 'no files'
            ? 'settings.skip.noFiles'
            : 'settings.skip.other';
  return `${name} — ${t(key)}`;
}

/** Why a request was blocked: in words where the door said it in words, else the CSP directive. */
function BlockedDetail({ detail }: { detail: string }) {
  const { t } = useI18n();
  const key = `blocked.detail.${detail}` as MessageKey;
  const said = t(key);
  return said === key ? <code translate="no">{detail}</code> : <>{said}</>;
}
