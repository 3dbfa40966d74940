import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { CallOutput, GreffierApi, UiLocale } from '../shared/api.js';
import { ApiProvider, useApi } from './api/context.js';
import { ErrorNote } from './components/ErrorNote.js';
import { LeaveGuardProvider, useLeave } from './components/LeaveGuard.js';
import { useTopbarHeight } from './components/sticky-offset.js';
import { LocaleProvider, initialLocale, rememberLocale, translator, useI18n } from './i18n/i18n.js';
import { AskScreen } from './screens/AskScreen.js';
import { AuditScreen } from './screens/AuditScreen.js';
import { MeetingScreen } from './screens/MeetingScreen.js';
import type { ImportWarningView } from './components/ImportWarnings.js';
import { MeetingsScreen } from './screens/MeetingsScreen.js';
import { RecordScreen } from './screens/RecordScreen.js';
import { SettingsScreen } from './screens/SettingsScreen.js';
import { UnlockScreen } from './screens/UnlockScreen.js';
import { RecordingMarker } from './recording/RecordingMarker.js';
import { RecordingProvider, useRecording } from './recording/RecordingSession.js';

export type Route =
  | { name: 'meetings' }
  | { name: 'record'; resume?: string }
  | { name: 'meeting'; id: string; atMs?: number; importWarnings?: ImportWarningView[] }
  | { name: 'ask' }
  | { name: 'audit' }
  | { name: 'settings' };

type Status = CallOutput<'app.status'>;

export function App({ api }: { api: GreffierApi }) {
  const [status, setStatus] = useState<Status | undefined>();
  const [startupError, setStartupError] = useState<unknown>();
  const [locale, setLocaleState] = useState<UiLocale>('en');
  const [route, setRoute] = useState<Route>({ name: 'meetings' });
  const [lockedByIdle, setLockedByIdle] = useState(false);

  const refreshStatus = useCallback(async () => {
    const next = await api.call('app.status', {});
    setStatus(next);
    return next;
  }, [api]);

  useEffect(() => {
    refreshStatus()
      // IT's language (machine policy) wins over the one this browser profile remembers.
      .then((first) => setLocaleState(first.policy.uiLanguage ?? initialLocale(first.systemLocale)))
      .catch(setStartupError)
      // The e2e tests and the Electron shell wait for this, never for a delay.
      .finally(() => {
        document.documentElement.dataset.ready = 'true';
      });
    return api.on('vault.locked', (event) => {
      setLockedByIdle(event.reason === 'idle');
      void refreshStatus();
    });
  }, [api, refreshStatus]);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = translator(locale)('app.title');
  }, [locale]);

  useEffect(() => {
    // Requests the CSP refused land in the blocked-request log with the host's own refusals.
    // The CSP is both a header and a <meta>: Chromium reports a refusal once per policy.
    const recent = new Map<string, number>();
    const report = (event: SecurityPolicyViolationEvent) => {
      const key = `${event.blockedURI}|${event.effectiveDirective}`;
      const now = performance.now();
      if (now - (recent.get(key) ?? -Infinity) < 1000) return;
      recent.set(key, now);
      void api
        .call('security.reportBlocked', {
          url: event.blockedURI || '(inline)',
          detail: event.effectiveDirective,
        })
        .catch(() => undefined);
    };
    document.addEventListener('securitypolicyviolation', report);
    return () => document.removeEventListener('securitypolicyviolation', report);
  }, [api]);

  const setLocale = (next: UiLocale) => {
    rememberLocale(next);
    setLocaleState(next);
  };

  const t = translator(locale);
  let body;
  if (startupError) {
    body = <ErrorNote error={startupError} />;
  } else if (!status) {
    body = <p role="status">{t('app.loading')}</p>;
  } else if (status.vault !== 'unlocked') {
    body = (
      <UnlockScreen
        vault={status.vault}
        lockedByIdle={lockedByIdle}
        {...(status.policy.minPassphraseLength
          ? { minPassphraseLength: status.policy.minPassphraseLength }
          : {})}
        onUnlocked={() => {
          setLockedByIdle(false);
          setRoute({ name: 'meetings' });
          void refreshStatus();
        }}
      />
    );
  } else {
    body = (
      <Shell route={route} setRoute={setRoute} status={status} onLock={refreshStatus}>
        {(open) => (
          <>
            {route.name === 'meetings' && <MeetingsScreen open={open} status={status} />}
            {route.name === 'record' && (
              <RecordScreen key={route.resume ?? ''} open={open} resume={route.resume} />
            )}
            {route.name === 'meeting' && (
              <MeetingScreen
                key={route.id}
                id={route.id}
                atMs={route.atMs}
                exportsOff={status.policy.featuresOff.includes('exports')}
                importWarnings={route.importWarnings}
                open={open}
              />
            )}
            {route.name === 'ask' && (
              <AskScreen
                open={open}
                spokenAnswers={!status.policy.featuresOff.includes('spokenAnswers')}
                exportsOff={status.policy.featuresOff.includes('exports')}
              />
            )}
            {route.name === 'audit' && <AuditScreen />}
            {route.name === 'settings' && (
              <SettingsScreen onChanged={refreshStatus} policy={status.policy} />
            )}
          </>
        )}
      </Shell>
    );
  }

  return (
    <ApiProvider api={api}>
      <LocaleProvider locale={locale} setLocale={setLocale}>
        {/* The recording lives above the screens; it ends with Stop, or when the vault locks. */}
        {/* The leave guard is above the recording: a reload asks while it records. */}
        <LeaveGuardProvider>
          {status?.vault === 'unlocked' ? <RecordingProvider>{body}</RecordingProvider> : body}
        </LeaveGuardProvider>
      </LocaleProvider>
    </ApiProvider>
  );
}

function Shell(props: {
  route: Route;
  setRoute(route: Route): void;
  status: Status;
  onLock(): Promise<unknown>;
  /** The screen, given the one way to open another (it asks first when edits are unsaved). */
  children(open: (route: Route) => void): ReactNode;
}) {
  const { t, locale, setLocale } = useI18n();
  const api = useApi();
  const leave = useLeave();
  const recording = useRecording();
  const { setRoute, onLock } = props;
  const open = useCallback((route: Route) => leave(() => setRoute(route)), [leave, setRoute]);
  const topbar = useRef<HTMLElement>(null);
  useTopbarHeight(topbar);
  const tabs: { name: 'meetings' | 'record' | 'ask' | 'audit' | 'settings'; label: string }[] = [
    { name: 'meetings', label: t('nav.meetings') },
    { name: 'record', label: t('nav.record') },
    { name: 'ask', label: t('nav.ask') },
    { name: 'audit', label: t('nav.audit') },
    { name: 'settings', label: t('nav.settings') },
  ];
  return (
    <div className="shell">
      <a className="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar" ref={topbar}>
        <span className="brand">{t('app.title')}</span>
        <nav aria-label={t('nav.label')}>
          {tabs.map((tab) => (
            <button
              key={tab.name}
              type="button"
              data-nav={tab.name}
              aria-current={props.route.name === tab.name ? 'page' : undefined}
              onClick={() => open({ name: tab.name })}
            >
              {tab.label}
            </button>
          ))}
        </nav>
        <RecordingMarker onOpen={() => props.setRoute({ name: 'record' })} />
        {/* The visible name starts the accessible one (axe: label-content-name-mismatch). */}
        {!props.status.policy.uiLanguage && (
          <button
            type="button"
            className="link"
            data-testid="switch-language"
            onClick={() => setLocale(locale === 'fr' ? 'en' : 'fr')}
          >
            <span lang={locale === 'fr' ? 'en' : 'fr'}>
              {locale === 'fr' ? t('language.nameEn') : t('language.nameFr')}
            </span>
            <span className="visually-hidden"> — {t('nav.languageAction')}</span>
          </button>
        )}
        <button
          type="button"
          className="lock"
          data-testid="lock"
          onClick={() =>
            leave(
              () =>
                // A recording under way is stopped as Stop does (kept, then transcribed) before
                // the lock; were the stop to fail, the lock still closes it, marked interrupted.
                void recording
                  .stop()
                  .then(() => api.call('vault.lock', {}))
                  .then(onLock),
              'lock',
            )
          }
        >
          {t('nav.lock')}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children(open)}
      </main>
    </div>
  );
}
