import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toPdf, type ExportableMeeting } from '../../src/core/app/exports.js';

/** The text a PDF reader extracts (poppler's pdftotext), page by page. */
function pdfText(pdf: Buffer): { pages: string[]; info: string } | undefined {
  if (spawnSync('pdftotext', ['-v']).error) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'greffier-pdf-'));
  try {
    const file = join(dir, 'minutes.pdf');
    writeFileSync(file, pdf);
    const text = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], {
      encoding: 'utf8',
    });
    const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
    return { pages: text.stdout.split('\f').filter((p) => p.trim()), info: info.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const missing = spawnSync('pdftotext', ['-v']).error
  ? 'pdftotext (Debian package poppler-utils) is not installed'
  : undefined;
if (missing) console.warn(`PDF text checks skipped: ${missing}`);

const meeting: ExportableMeeting = {
  title: 'Conseil municipal — séance du 3 mars',
  startedAt: '2026-03-03T18:00:00.000Z',
  durationMs: 120_000,
  language: 'fr',
  speakers: [{ id: 'p1', name: 'Mme Ζωή Παπαδοπούλου' }],
  segments: Array.from({ length: 120 }, (_, i) => ({
    id: `s${i}`,
    startMs: i * 1000,
    endMs: i * 1000 + 900,
    speakerId: 'p1',
    text:
      i === 0
        ? 'Le budget (révisé) \\ est voté — « oui » ; œuvre, Łódź, Москва, Ελλάδα.'
        : i === 1
          ? `https://exemple.invalid/${'x'.repeat(300)}`
          : `Ligne ${i} ${'mot '.repeat(40)}`,
  })),
  markers: [{ atMs: 500, label: 'vote' }],
};

describe.skipIf(Boolean(missing))('the PDF export', () => {
  it('embeds a Unicode font: any text reads back as written, on several pages', async () => {
    const read = pdfText(await toPdf(meeting))!;
    // Layout aside (pdftotext spaces words by their positions), the words are the ones written.
    const all = read.pages.join('\n').replace(/\s+/g, ' ');
    expect(all).toContain('Conseil municipal — séance du 3 mars');
    expect(all).toMatch(/«\s?oui\s?»/);
    for (const word of ['œuvre', 'Łódź', 'Москва', 'Ελλάδα', '(révisé)', '\\']) {
      expect(all).toContain(word);
    }
    expect(all).toContain('Mme Ζωή Παπαδοπούλου');
    expect(all).toContain('Repère');
    expect(read.pages.length).toBeGreaterThan(2);
    // Long lines are wrapped and long words cut: nothing runs past the right margin.
    expect(all).toContain('x'.repeat(50));
    expect(read.info).toMatch(/Title:\s+Conseil municipal — séance du 3 mars/);
    expect(read.info).toMatch(/Producer:\s+Greffier/);
  });
});
