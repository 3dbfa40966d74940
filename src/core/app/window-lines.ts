import type { FinalWindow } from '../meetings/final-pass.js';
import type { OpenVault } from '../meetings/index.js';
import { readNotes } from '../meetings/notes.js';
import { withSpeakers } from '../speakers/turns.js';
import type { AppDispatcher } from './service.js';

/**
 * A final-pass window done, shown before the transcript is stored: its lines
 * (with the clerk's speaker turns) replace whatever the screen shows for its
 * stretch. During a recording they replace live lines; after stop, and while
 * an import is transcribed, the meeting page shows them as they complete
 * instead of « no transcript yet » (the walk's finding 7).
 */
export function showFinalWindow(
  open: Pick<OpenVault, 'meetings'>,
  dispatcher: AppDispatcher,
  meetingId: string,
  window: FinalWindow,
): void {
  if (window.segments.length === 0) return;
  void readNotes(open.meetings, meetingId).then(
    (notes) =>
      dispatcher.emit('live.segments', {
        meetingId,
        segments: withSpeakers(window.segments, notes.turns),
        replaces: { fromMs: window.fromMs, toMs: window.toMs },
      }),
    // Only a preview: the stored transcript follows anyway.
    () => undefined,
  );
}
