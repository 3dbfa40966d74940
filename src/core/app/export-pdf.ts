import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, type PDFFont, type PDFPage } from 'pdf-lib';
import {
  LABELS,
  approvalLines,
  clock,
  dateLine,
  draftMark,
  lang,
  minutesParts,
  speakerName,
  speakingTimes,
  transcriptWithMarkers,
  type ExportableMeeting,
} from './export-common.js';

/**
 * The open DejaVu Sans faces (shipped as an npm dependency, so they travel
 * with the app into disconnected PCs): Latin with every accent, Greek,
 * Cyrillic and the typographic marks French minutes use, where PDF's
 * built-in Helvetica stops at Windows-1252. Only the glyphs used are
 * embedded (subset), so a short export stays small.
 */
const require = createRequire(import.meta.url);
let faces: { regular: Uint8Array; bold: Uint8Array } | undefined;
function fontBytes(): { regular: Uint8Array; bold: Uint8Array } {
  faces ??= {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  };
  return faces;
}

interface Style {
  bold?: boolean;
  size?: number;
}

const PAGE = { width: 595, height: 842, margin: 50 };

/** Cuts text into lines that fit `width` points, measured with the font itself. */
function wrapToWidth(text: string, font: PDFFont, size: number, width: number): string[] {
  const fits = (line: string) => font.widthOfTextAtSize(line, size) <= width;
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (fits(candidate)) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      // A "word" wider than the line (a URL, a random token) is cut, never overflows.
      let rest = word;
      while (!fits(rest)) {
        let cut = rest.length - 1;
        while (cut > 1 && !fits(rest.slice(0, cut))) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

/** Characters the font has no glyph for become "?" rather than failing the export. */
function printable(text: string, known: Set<number>): string {
  let out = '';
  for (const char of text.normalize('NFC')) {
    const code = char.codePointAt(0)!;
    out += char === '\t' ? ' ' : known.has(code) ? char : code < 0x20 ? '' : '?';
  }
  return out;
}

/**
 * The minutes and transcript as a PDF (A4, DejaVu Sans, text only): tagged
 * with its language and title, nothing executable inside.
 */
export async function toPdf(meeting: ExportableMeeting, timeZone?: string): Promise<Buffer> {
  const language = lang(meeting);
  const l = LABELS[language];
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  const { regular: regularBytes, bold: boldBytes } = fontBytes();
  const regular = await pdf.embedFont(regularBytes, { subset: true });
  const bold = await pdf.embedFont(boldBytes, { subset: true });
  // Each face's glyphs, listed once (thousands of code points), not once per line.
  const glyphs = new Map<PDFFont, Set<number>>([
    [regular, new Set(regular.getCharacterSet())],
    [bold, new Set(bold.getCharacterSet())],
  ]);
  pdf.setTitle(meeting.title);
  pdf.setProducer('Greffier');
  pdf.setCreator('Greffier');
  pdf.setLanguage(language === 'fr' ? 'fr-FR' : 'en-GB');

  let page: PDFPage = pdf.addPage([PAGE.width, PAGE.height]);
  let y = PAGE.height - PAGE.margin;
  const width = PAGE.width - 2 * PAGE.margin;
  const add = (text: string, style: Style = {}) => {
    const size = style.size ?? 10;
    const font = style.bold ? bold : regular;
    const lead = size * 1.4;
    for (const line of wrapToWidth(printable(text, glyphs.get(font)!), font, size, width)) {
      if (y - lead < PAGE.margin) {
        page = pdf.addPage([PAGE.width, PAGE.height]);
        y = PAGE.height - PAGE.margin;
      }
      y -= lead;
      if (line) page.drawText(line, { x: PAGE.margin, y, size, font });
    }
  };

  const draft = draftMark(meeting);
  add(meeting.title, { bold: true, size: 16 });
  if (draft) add(draft, { bold: true, size: 12 });
  add(dateLine(meeting, timeZone));
  add('');
  add(l.minutes, { bold: true, size: 13 });
  const parts = minutesParts(meeting);
  if (!parts) add(l.noMinutes);
  for (const part of parts ?? []) {
    add(part.heading, { bold: true });
    for (const line of part.lines) {
      const lead = line.lead === undefined ? '' : `${line.lead}${l.colon} `;
      add(`${line.bullet ? '• ' : ''}${lead}${line.text}`);
    }
  }
  add('');
  const times = speakingTimes(meeting);
  if (times.length) {
    add(l.speakers, { bold: true, size: 13 });
    for (const s of times) add(`• ${s.name}${l.colon} ${clock(s.ms)}`);
    add('');
  }
  add(l.transcript, { bold: true, size: 13 });
  for (const item of transcriptWithMarkers(meeting)) {
    if (item.kind === 'marker') {
      add(`${clock(item.atMs)}  ${l.marker}${item.label ? `${l.colon} ${item.label}` : ''}`, {
        bold: true,
      });
      continue;
    }
    const { segment } = item;
    const who = speakerName(meeting, segment.speakerId);
    add(`${clock(segment.startMs)}  ${who ? `${who}${l.colon} ` : ''}${segment.text}`);
  }
  const approval = approvalLines(meeting, timeZone);
  if (approval.length) {
    add('');
    add(l.approval, { bold: true, size: 13 });
    for (const line of approval) add(line);
  }
  // A draft says so at the top of every page, where a printed page is read.
  if (draft) {
    const text = printable(draft, glyphs.get(bold)!);
    for (const each of pdf.getPages()) {
      each.drawText(text, {
        x: PAGE.margin,
        y: PAGE.height - PAGE.margin / 2,
        size: 9,
        font: bold,
      });
    }
  }
  return Buffer.from(await pdf.save({ useObjectStreams: false }));
}
