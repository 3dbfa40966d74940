import type { BlockedRequest } from '../../shared/api.js';

/**
 * Requests the app refused to let out (CSP, Electron's request filter, the
 * devhost's origin checks). Kept in memory only: a refused URL can carry
 * whatever a hostile page tried to smuggle out (transcript words included),
 * so it must not land in clear on the disk beside the encrypted vault.
 */
export class BlockedRequestLog {
  private readonly entries: BlockedRequest[] = [];
  private readonly listeners = new Set<(entry: BlockedRequest) => void>();

  constructor(private readonly capacity = 500) {}

  record(entry: Omit<BlockedRequest, 'at'> & { at?: string }): BlockedRequest {
    const full: BlockedRequest = {
      at: entry.at ?? new Date().toISOString(),
      // A URL long enough to hide a transcript is cut: the log proves the attempt, not the payload.
      url: entry.url.length > 300 ? `${entry.url.slice(0, 300)}…` : entry.url,
      by: entry.by,
      detail: entry.detail.slice(0, 500),
    };
    this.entries.push(full);
    if (this.entries.length > this.capacity) this.entries.shift();
    for (const listener of this.listeners) listener(full);
    return full;
  }

  list(): BlockedRequest[] {
    return [...this.entries].reverse();
  }

  onRecord(listener: (entry: BlockedRequest) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
