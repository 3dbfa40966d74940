import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportMeeting } from '../../src/core/app/signed-export.js';
import { MinutesRecord } from '../../src/core/record/index.js';
import { zipEntry } from '../../src/core/record/zip.js';
import { createTestVault, tempDir } from '../helpers/vault.js';
import { meetingWithMinutes } from '../helpers/record.js';

/**
 * Minutes that are not approved never leave as if they were: every Markdown,
 * DOCX and PDF export of a draft (never submitted, submitted, returned, or a
 * correction of approved minutes) says « Projet — non approuvé » in French,
 * "Draft — not approved" in English, where a reader sees it; approved
 * minutes carry no such mark. DOCX is read from its XML, PDF with pdftotext.
 */
const MARK = { fr: 'Projet — non approuvé', en: 'Draft — not approved' };

const dirs: { remove(): void }[] = [];
afterEach(() => {
  while (dirs.length) dirs.pop()!.remove();
});
function fresh(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir.path;
}

const pdftotextMissing = spawnSync('pdftotext', ['-v']).error
  ? 'pdftotext (Debian package poppler-utils) is not installed'
  : undefined;
if (pdftotextMissing) console.warn(`PDF checks of the draft mark skipped: ${pdftotextMissing}`);

function pdfText(bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'greffier-draft-'));
  try {
    const file = join(dir, 'minutes.pdf');
    writeFileSync(file, bytes);
    return spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The words a reader sees in each format: Markdown as is, DOCX body and headers, PDF text. */
async function visibleText(
  open: Awaited<ReturnType<typeof createTestVault>>,
  id: string,
  format: 'md' | 'docx' | 'pdf',
): Promise<string> {
  const { bytes } = await exportMeeting(open, id, format);
  if (format === 'md') return bytes.toString('utf8');
  if (format === 'docx') {
    const parts = ['word/document.xml', 'word/header1.xml'].map(
      (name) => zipEntry(bytes, name)?.toString('utf8') ?? '',
    );
    return parts.join('\n').replace(/<[^>]+>/g, '');
  }
  return pdfText(bytes);
}

const formats: ('md' | 'docx' | 'pdf')[] = [
  'md',
  'docx',
  ...(pdftotextMissing ? [] : ['pdf' as const]),
];

describe('the draft mark on exports', () => {
  it('marks a draft that was never submitted, in every format', async () => {
    const open = await createTestVault(fresh());
    const id = await meetingWithMinutes(open);
    for (const format of formats) {
      const text = await visibleText(open, id, format);
      expect(text, format).toContain(MARK.fr);
    }
    // In the body of the DOCX itself (not only a page header), and near the top.
    const md = await visibleText(open, id, 'md');
    expect(md.indexOf(MARK.fr)).toBeLessThan(md.indexOf('## Compte rendu'));
    await open.vault.lock();
  });

  it('marks the correction of approved minutes, and not the approved minutes', async () => {
    const open = await createTestVault(fresh());
    const record = new MinutesRecord(open);
    const id = await meetingWithMinutes(open);
    await record.submit(id, 'Greffière');
    // Submitted is not approved either.
    expect(await visibleText(open, id, 'md')).toContain(MARK.fr);
    await record.approve(id, { approver: 'Marie Dupont' });
    for (const format of formats) {
      expect(await visibleText(open, id, format), format).not.toContain(MARK.fr);
    }
    await record.correct(id, { reason: 'Erreur sur le vote' });
    for (const format of formats) {
      const text = await visibleText(open, id, format);
      expect(text, format).toContain(MARK.fr);
      expect(text, format).not.toContain('Approuvé par');
    }
    await open.vault.lock();
  });

  it('says it in English for English minutes', async () => {
    const open = await createTestVault(fresh());
    const id = await meetingWithMinutes(open);
    const minutes = (await open.meetings.getSummary(id)) as Record<string, unknown>;
    await open.meetings.setSummary(id, { ...minutes, language: 'en' });
    for (const format of formats) {
      expect(await visibleText(open, id, format), format).toContain(MARK.en);
    }
    await open.vault.lock();
  });
});
