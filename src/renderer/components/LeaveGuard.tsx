import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useLayoutEffect,
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
  /** Says whether a part of the page (by id) holds work that only closing the window would end (a recording). */
  markUnload(id: string, active: boolean): void;
}

const Guard = createContext<LeaveGuard>({
  mark: () => undefined,
  leave: (go) => go(),
  markUnload: () => undefined,
});

/** Why leaving asks: edits not saved (any way out), a recording (closing the window only). */
type Reasons = { edits: boolean; recording: boolean };

/**
 * Every way out of a screen with unsaved edits asks first: another screen,
 * the lock button, and closing or reloading the window. In a browser the
 * last is the browser's own question; in Electron main says the close was
 * refused (`window.closeAsked`) and the same question as in the app is asked.
 */
export function LeaveGuardProvider(props: { children: ReactNode }) {
  const api = useApi();
  const unsaved = useRef(new Set<string>());
  // A recording goes on from screen to screen; only a reload or a closed window would end it.
  const unloading = useRef(new Set<string>());
  const [pending, setPending] = useState<{ go: () => void; reasons: Reasons } | undefined>();

  const mark = useCallback((id: string, isUnsaved: boolean) => {
    if (isUnsaved) unsaved.current.add(id);
    else unsaved.current.delete(id);
  }, []);
  const markUnload = useCallback((id: string, active: boolean) => {
    if (active) unloading.current.add(id);
    else unloading.current.delete(id);
  }, []);
  const leave = useCallback((go: () => void) => {
    if (unsaved.current.size === 0) go();
    else setPending({ go, reasons: { edits: true, recording: false } });
  }, []);
  const closeWindow = useCallback(() => {
    const reasons = { edits: unsaved.current.size > 0, recording: unloading.current.size > 0 };
    if (!reasons.edits && !reasons.recording) window.close();
    else setPending({ go: () => window.close(), reasons });
  }, []);

  useEffect(() => {
    const refuse = (event: BeforeUnloadEvent) => {
      if (unsaved.current.size === 0 && unloading.current.size === 0) return;
      event.preventDefault();
      // Older Chromium (and Electron's close) look at returnValue, not at preventDefault.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', refuse);
    return () => window.removeEventListener('beforeunload', refuse);
  }, []);
  useEffect(() => api.on('window.closeAsked', closeWindow), [api, closeWindow]);

  const guard = useMemo(() => ({ mark, leave, markUnload }), [mark, leave, markUnload]);
  return (
    <Guard.Provider value={guard}>
      {props.children}
      {pending && (
        <UnsavedDialog
          reasons={pending.reasons}
          onLeave={() => {
            // Leaving on purpose: the edits are dropped, and nothing asks again on the way out.
            unsaved.current.clear();
            unloading.current.clear();
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
  // A layout effect, run as the change is committed: a passive one may run after the next
  // click, which would then see edits just typed as saved, or edits just saved as not.
  useLayoutEffect(() => {
    mark(id, unsaved);
    return () => mark(id, false);
  }, [mark, id, unsaved]);
}

/** Marks the calling part of the page as running work a reload or a closed window would end. */
export function useUnloadGuard(active: boolean): void {
  const { markUnload } = useContext(Guard);
  const id = useId();
  useLayoutEffect(() => {
    markUnload(id, active);
    return () => markUnload(id, false);
  }, [markUnload, id, active]);
}

/** Wraps a way out of the current screen so that it asks first when edits are unsaved. */
export function useLeave(): (go: () => void) => void {
  return useContext(Guard).leave;
}

function UnsavedDialog(props: { reasons: Reasons; onLeave(): void; onStay(): void }) {
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
        <h2 id={`${id}-title`}>
          {t(props.reasons.edits ? 'unsaved.title' : 'unsaved.recordingTitle')}
        </h2>
        <div id={`${id}-text`}>
          {props.reasons.recording && <p>{t('unsaved.recording')}</p>}
          {props.reasons.edits && <p>{t('unsaved.text')}</p>}
        </div>
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
