import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { useApi } from '../api/context.js';
import { useI18n } from '../i18n/i18n.js';

interface LeaveGuard {
  /** Says whether a part of the page (by id) holds edits not saved yet. */
  mark(id: string, unsaved: boolean): void;
  /** Does `go` at once, or after the clerk chose to leave unsaved edits behind. */
  leave(go: () => void): void;
}

const Guard = createContext<LeaveGuard>({ mark: () => undefined, leave: (go) => go() });

/**
 * Every way out of a screen with unsaved edits asks first: another screen,
 * the lock button, and closing or reloading the window. In a browser the
 * last is the browser's own question; in Electron main says the close was
 * refused (`window.closeAsked`) and the same question as in the app is asked.
 */
export function LeaveGuardProvider(props: { children: ReactNode }) {
  const api = useApi();
  const unsaved = useRef(new Set<string>());
  const [pending, setPending] = useState<{ go: () => void } | undefined>();

  const mark = useCallback((id: string, isUnsaved: boolean) => {
    if (isUnsaved) unsaved.current.add(id);
    else unsaved.current.delete(id);
  }, []);
  const leave = useCallback((go: () => void) => {
    if (unsaved.current.size === 0) go();
    else setPending({ go });
  }, []);

  useEffect(() => {
    const refuse = (event: BeforeUnloadEvent) => {
      if (unsaved.current.size === 0) return;
      event.preventDefault();
      // Older Chromium (and Electron's close) look at returnValue, not at preventDefault.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', refuse);
    return () => window.removeEventListener('beforeunload', refuse);
  }, []);
  useEffect(() => api.on('window.closeAsked', () => leave(() => window.close())), [api, leave]);

  const guard = useMemo(() => ({ mark, leave }), [mark, leave]);
  return (
    <Guard.Provider value={guard}>
      {props.children}
      {pending && (
        <UnsavedDialog
          onLeave={() => {
            // Leaving on purpose: the edits are dropped, and nothing asks again on the way out.
            unsaved.current.clear();
            setPending(undefined);
            pending.go();
          }}
          onStay={() => setPending(undefined)}
        />
      )}
    </Guard.Provider>
  );
}

/** Marks the calling part of the page as holding unsaved edits while `unsaved` is true. */
export function useUnsavedEdits(unsaved: boolean): void {
  const { mark } = useContext(Guard);
  const id = useId();
  useEffect(() => {
    mark(id, unsaved);
    return () => mark(id, false);
  }, [mark, id, unsaved]);
}

/** Wraps a way out of the current screen so that it asks first when edits are unsaved. */
export function useLeave(): (go: () => void) => void {
  return useContext(Guard).leave;
}

function UnsavedDialog(props: { onLeave(): void; onStay(): void }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="modal-backdrop">
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-text`}
        className="confirm modal"
        data-testid="unsaved-dialog"
        onKeyDown={(event) => {
          if (event.key === 'Escape') props.onStay();
        }}
      >
        <h2 id={`${id}-title`}>{t('unsaved.title')}</h2>
        <p id={`${id}-text`}>{t('unsaved.text')}</p>
        <div className="actions">
          <button type="button" onClick={props.onStay} autoFocus>
            {t('unsaved.stay')}
          </button>
          <button type="button" className="danger" onClick={props.onLeave}>
            {t('unsaved.leave')}
          </button>
        </div>
      </div>
    </div>
  );
}
