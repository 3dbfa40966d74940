import type { Minutes } from '../../shared/minutes.js';
import type { DiffLine } from '../../shared/record.js';

/** The minutes as lines a person compares: one per item, in document order. */
export function minutesLines(minutes: Minutes): string[] {
  return [
    `# ${minutes.title}`,
    minutes.overview,
    ...minutes.decisions.map((d) => `- ${d.text}`),
    ...minutes.actionItems.map((a) => `- ${a.owner}: ${a.task}${a.due ? ` (${a.due})` : ''}`),
    ...minutes.openQuestions.map((q) => `? ${q}`),
    ...minutes.interventions.map((i) => `> ${i.speaker}: ${i.summary}`),
  ];
}

/** Line diff by longest common subsequence (minutes are a few dozen lines). */
export function diffLines(before: string[], after: string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] =
        before[i] === after[j]
          ? lcs[i + 1]![j + 1]! + 1
          : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push({ op: 'same', text: before[i]! });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // Removals first, as in a usual diff: the old line, then its replacement.
      out.push({ op: 'removed', text: before[i++]! });
    } else {
      out.push({ op: 'added', text: after[j++]! });
    }
  }
  return out;
}
