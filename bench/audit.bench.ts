// The audit trail (src/core/audit): what one sensitive action costs the
// clerk (seal + append + fsync + sealed head, target ≤ 5 ms) and what the
// security officer waits for "audit verify" over 100,000 entries (target
// ≤ 2 s). Ratios are figure / target: ≤ 1 meets it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendAudit,
  appendAuditBatch,
  verifyAudit,
  type AuditInput,
} from '../src/core/audit/index.js';
import { createVault } from '../src/core/meetings/index.js';
import { median, percentile, type Bench, type BenchRow } from './report.js';

const ENTRIES = Number(process.env.GREFFIER_BENCH_AUDIT_ENTRIES ?? 100_000);
const APPENDS = 200;

function entry(i: number): AuditInput {
  return {
    action: 'export.meeting',
    meetingId: `m${(i % 997).toString(16).padStart(16, '0')}`,
    details: { what: 'meeting', format: 'pdf', fileName: `conseil-municipal-${i}.pdf` },
  };
}

const bench: Bench = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'greffier-audit-bench-'));
  const rows: BenchRow[] = [];
  try {
    const { vault } = await createVault(dir, Buffer.from('bench passphrase for the audit'), {
      autoLockMinutes: 0,
      kdf: { N: 2 ** 10, r: 8, p: 1 },
    });
    const times: number[] = [];
    for (let i = 0; i < APPENDS; i++) {
      const t = performance.now();
      await appendAudit(vault, entry(i));
      times.push(performance.now() - t);
    }
    const append = median(times);
    rows.push({
      measure: 'append one audit entry (seal, fsync, sealed head), median',
      ours: `${append.toFixed(2)} ms`,
      ratio: append / 5,
      target: '≤ 5 ms',
      note: `p95 ${percentile(times, 95).toFixed(2)} ms over ${APPENDS}`,
    });

    for (let done = APPENDS + 1; done < ENTRIES; done += 10_000) {
      const batch = Array.from({ length: Math.min(10_000, ENTRIES - done) }, (_, i) =>
        entry(done + i),
      );
      await appendAuditBatch(vault, batch);
    }
    const runs: number[] = [];
    let entries = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const report = await verifyAudit(vault);
      runs.push(performance.now() - t);
      if (!report.ok)
        throw new Error(`the benchmark trail does not verify: ${report.problems[0]?.message}`);
      entries = report.entries;
    }
    const verify = median(runs);
    rows.push({
      measure: `audit verify of ${entries.toLocaleString('en')} entries, median of 3`,
      ours: `${(verify / 1000).toFixed(2)} s`,
      ratio: verify / 2000,
      target: '≤ 2 s',
    });
    await vault.lock();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: 'Audit trail', rows };
};

export default bench;
