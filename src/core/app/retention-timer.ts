import { applyRetention } from '../retention/index.js';
import type { OpenVault } from '../meetings/index.js';
import type { AppSession } from './session.js';

const HOURLY = 60 * 60_000;

/**
 * Retention in the app: applied as soon as the vault is unlocked, then on a
 * timer while it stays open (a PC left unlocked for days still deletes on
 * time). A failure is not the clerk's business at that moment: the next
 * run tries again, and the Audit screen's preview says what is due.
 */
export function scheduleRetention(session: AppSession): void {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const run = (open: OpenVault) => {
    if (running || open.vault.isLocked) return;
    running = session
      .retentionSource(open)
      .then((source) => applyRetention(open, source))
      .then((plan) => {
        for (const id of new Set(plan.items.map((i) => i.meetingId))) {
          session.dispatcher.emit('meeting.changed', { meetingId: id });
        }
      })
      .catch(() => undefined)
      .finally(() => (running = undefined));
  };
  session.onAdopt((open) => {
    run(open);
    if (timer) clearInterval(timer);
    timer = setInterval(() => run(open), session.options.retentionEveryMs ?? HOURLY);
    timer.unref();
  });
  session.onTeardown(async () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    await running;
  });
}
