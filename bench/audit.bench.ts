// The audit trail (src/core/audit): what one sensitive action costs the
// clerk (seal + append + fsync + sealed head, target ≤ 5 ms) and what the
// security officer waits for "audit verify" over 100,000 entries (target
// ≤ 2 s). Ratios are figure / target: ≤ 1 meets it.
import { hash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendAudit,
  appendAuditBatch,
  verifyAudit,
  type AuditInput,
} from '../src/core/audit/index.js';
import { auditKey, auditPath, splitRecords } from '../src/core/audit/log.js';
import { createVault } from '../src/core/meetings/index.js';
import { open } from '../src/core/vault/crypto.js';
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
    // The floor on this disk, same run: one small append + fsync of a plain file.
    const rawTimes: number[] = [];
    const plain = join(dir, 'plain.log');
    for (let i = 0; i < APPENDS; i++) {
      const t = performance.now();
      const handle = await openFile(plain, 'a');
      await handle.write(Buffer.alloc(300, i));
      await handle.sync();
      await handle.close();
      rawTimes.push(performance.now() - t);
    }
    rows.push({
      measure: 'append one audit entry (seal, fsync, sealed head), median',
      ours: `${append.toFixed(2)} ms`,
      raw: `${median(rawTimes).toFixed(2)} ms (append + fsync of a plain file)`,
      ratio: append / 5,
      target: '≤ 5 ms',
      note: `p95 ${percentile(times, 95).toFixed(2)} ms over ${APPENDS}; ours/raw ${(append / median(rawTimes)).toFixed(2)}`,
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
    // The floor, same run: AES-GCM open + SHA-256 of every record, nothing else.
    const key = await auditKey(vault);
    const { records } = splitRecords(readFileSync(auditPath(vault)));
    const t = performance.now();
    for (const record of records)
      hash('sha256', open(key, record.sealed, 'greffier:audit-entry:v1'));
    const raw = performance.now() - t;
    rows.push({
      measure: `audit verify of ${entries.toLocaleString('en')} entries, median of 3`,
      ours: `${(verify / 1000).toFixed(2)} s`,
      raw: `${(raw / 1000).toFixed(2)} s (decrypt + hash only)`,
      ratio: verify / 2000,
      target: '≤ 2 s',
      note: `ours/raw ${(verify / raw).toFixed(2)}; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
    });
    await vault.lock();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: 'Audit trail', rows };
};

export default bench;
