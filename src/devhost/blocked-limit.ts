import type { BlockedRequestLog } from '../core/app/blocked-log.js';
import type { BlockedRequest } from '../shared/api.js';

/**
 * What the browser host refuses before a request proves it holds the
 * session token (wrong Host, foreign Origin) is written by whoever sends
 * it: a page can send thousands. Left alone they would push the real
 * evidence (the renderer's own blocked requests) out of the bounded log.
 * So: the first few distinct ones are logged as they come, the rest are
 * counted and logged as one aggregate entry per interval.
 */
export interface BlockedLimitOptions {
  /** Distinct refusals logged one by one over the host's life. */
  individual?: number;
  /** At most one aggregate entry per this many milliseconds. */
  intervalMs?: number;
  now?: () => number;
}

export class TokenlessBlockedLimit {
  readonly #individual: number;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #seen = new Set<string>();
  #logged = 0;
  #suppressed = 0;
  #lastAggregate = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: BlockedRequestLog,
    options: BlockedLimitOptions = {},
  ) {
    this.#individual = options.individual ?? 40;
    this.#intervalMs = options.intervalMs ?? 10 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  record(entry: Omit<BlockedRequest, 'at'>): void {
    const key = `${entry.detail}\u0000${entry.url.split(' → ')[0]}`;
    if (this.#logged < this.#individual && !this.#seen.has(key)) {
      this.#seen.add(key);
      this.#logged++;
      this.log.record(entry);
      return;
    }
    this.#suppressed++;
    if (this.#now() - this.#lastAggregate >= this.#intervalMs) this.flush();
    else if (!this.#timer) {
      // The count is written when the interval ends, even if the flood stops first.
      this.#timer = setTimeout(
        () => this.flush(),
        this.#lastAggregate + this.#intervalMs - this.#now(),
      );
      this.#timer.unref();
    }
  }

  /** Writes the pending count as one entry (called on a timer and on close). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#suppressed === 0) return;
    this.log.record({
      url: '(many addresses)',
      by: 'devhost',
      detail: `${this.#suppressed} more requests without the session token refused (wrong host or another origin); counted, not listed one by one`,
    });
    this.#suppressed = 0;
    this.#lastAggregate = this.#now();
  }
}
