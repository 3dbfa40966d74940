/** One line of the benchmark table: ours against the raw engine, measured in the same run. */
export interface BenchRow {
  measure: string;
  /** Our figure, with its unit (e.g. "1.82 s"). */
  ours: string;
  /** The raw engine's figure on the same input, when there is one. */
  raw?: string;
  /** ours / raw (lower is better), or a figure / its target. */
  ratio?: number;
  target?: string;
  note?: string;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
}

/** A benchmark module's default export. */
export type Bench = () => Promise<BenchSection>;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export function formatSection(section: BenchSection): string {
  const header = ['measure', 'ours', 'raw', 'ratio', 'target', 'note'];
  const rows = section.rows.map((r) => [
    r.measure,
    r.ours,
    r.raw ?? '',
    r.ratio === undefined ? '' : r.ratio.toFixed(3),
    r.target ?? '',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    `## ${section.title}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}
