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
  /**
   * Does `go` at once, or after the clerk chose to leave unsaved edits behind.
   * The way out `lock` also ends a recording under way, so it asks about that too.
   */
  leave(go: () => void, way?: WayOut): void;
  /** Says whether a part of the page (by id) holds work that only closing the window would end (a recording). */
  markUnload(id: string, active: boolean): void;
}

const Guard = createContext<LeaveGuard>({
  mark: () => undefined,
  leave: (go) => go(),
  markUnload: () => undefined,
});

/** Another screen or the window (the default), or locking the vault. */
type WayOut = 'screen' | 'lock';

/** Why leaving asks: edits not saved (any way out), a recording (the window or the lock). */
type Reasons = { edits: boolean; recording: boolean; way: WayOut | 'window' };

/**
 * Every way out of a screen with unsaved edits asks first: another screen,
 * the lock button, and closing or reloading the window. A recording goes on
 * from screen to screen, so only the window and the lock button, which would
 * end it, ask about it. In a browser the
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
  const leave = useCallback((go: () => void, way: WayOut = 'screen') => {
    const reasons: Reasons = {
      edits: unsaved.current.size > 0,
      recording: way === 'lock' && unloading.current.size > 0,
      way,
    };
    if (!reasons.edits && !reasons.recording) go();
    else setPending({ go, reasons });
  }, []);
  const closeWindow = useCallback(() => {
    const reasons: Reasons = {
      edits: unsaved.current.size > 0,
      recording: unloading.current.size > 0,
      way: 'window',
    };
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
export function useLeave(): (go: () => void, way?: WayOut) => void {
  return useContext(Guard).leave;
}

function UnsavedDialog(props: { reasons: Reasons; onLeave(): void; onStay(): void }) {
  const { t } = useI18n();
  const id = useId();
  // Locking ends the recording: its words say so, and staying keeps it recording.
  const lockRecording = props.reasons.recording && props.reasons.way === 'lock';
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
          {props.reasons.recording && (
            <p>{t(lockRecording ? 'unsaved.lockRecording' : 'unsaved.recording')}</p>
          )}
          {props.reasons.edits && <p>{t('unsaved.text')}</p>}
        </div>
        <div className="actions">
          <button type="button" onClick={props.onStay} autoFocus>
            {t(lockRecording ? 'unsaved.keepRecording' : 'unsaved.stay')}
          </button>
          <button type="button" className="danger" onClick={props.onLeave}>
            {t(lockRecording ? 'unsaved.stopAndLock' : 'unsaved.leave')}
          </button>
        </div>
      </div>
    </div>
  );
}
