import {
  LABELS,
  clock,
  dateLine,
  lang,
  segmentRefs,
  speakerName,
  transcriptWithMarkers,
  type ExportableMeeting,
} from './export-common.js';

/** Windows-1252 code points for the characters outside Latin-1 that French text uses. */
const WIN_ANSI: Record<string, number> = {
  '€': 0x80,
  '‚': 0x82,
  '„': 0x84,
  '…': 0x85,
  Œ: 0x8c,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '•': 0x95,
  '–': 0x96,
  '—': 0x97,
  '™': 0x99,
  œ: 0x9c,
  Ÿ: 0x9f,
  // Narrow and thin no-break spaces (French typography) print as a no-break space.
  '\u202f': 0xa0,
  '\u2009': 0xa0,
};

/** A PDF string literal in WinAnsi bytes: accents kept, anything else becomes "?". */
function pdfString(text: string): Buffer {
  const bytes: number[] = [0x28];
  for (const char of text.normalize('NFC')) {
    const code = char.codePointAt(0)!;
    let byte =
      WIN_ANSI[char] ??
      (code >= 0x20 && code <= 0xff && !(code >= 0x7f && code < 0xa0) ? code : 0x3f);
    if (char === '\t') byte = 0x20;
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) bytes.push(0x5c);
    bytes.push(byte);
  }
  bytes.push(0x29);
  return Buffer.from(bytes);
}

interface PdfLine {
  text: string;
  bold?: boolean;
  size?: number;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = '';
      }
      // A "word" longer than the line (a URL, a random token) is cut, never overflows.
      let rest = word;
      while (rest.length > width) {
        if (line) lines.push(line);
        lines.push(rest.slice(0, width));
        rest = rest.slice(width);
        line = '';
      }
      line = line ? `${line} ${rest}` : rest;
    }
    lines.push(line);
  }
  return lines;
}

/**
 * The minutes and transcript as a plain PDF (A4, Helvetica, text only),
 * written by hand: no renderer, no fonts to ship, nothing executable inside.
 */
export function toPdf(meeting: ExportableMeeting, timeZone?: string): Buffer {
  const l = LABELS[lang(meeting)];
  const out: PdfLine[] = [];
  const add = (text: string, style: Omit<PdfLine, 'text'> = {}) => {
    const size = style.size ?? 10;
    for (const line of wrap(text, Math.floor(92 * (10 / size)))) out.push({ text: line, ...style });
  };
  const refs = segmentRefs(meeting);
  add(meeting.title, { bold: true, size: 16 });
  add(dateLine(meeting, timeZone));
  add('');
  add(l.minutes, { bold: true, size: 13 });
  const minutes = meeting.minutes;
  if (!minutes) add(l.noMinutes);
  else {
    add(l.overview, { bold: true });
    add(minutes.overview);
    add(l.decisions, { bold: true });
    for (const d of minutes.decisions) add(`• ${d.text}${refs(d.segmentIds)}`);
    add(l.actions, { bold: true });
    for (const a of minutes.actionItems) {
      const due = a.due ? ` (${l.due}${l.colon} ${a.due})` : '';
      add(`• ${a.owner}${l.colon} ${a.task}${due}${refs(a.segmentIds)}`);
    }
    add(l.questions, { bold: true });
    for (const q of minutes.openQuestions) add(`• ${q}`);
    add(l.interventions, { bold: true });
    for (const i of minutes.interventions) add(`• ${i.speaker}${l.colon} ${i.summary}`);
  }
  add('');
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

  // Lay lines out on A4 pages (595 × 842 pt), 50 pt margins.
  const pages: Buffer[] = [];
  let content: Buffer[] = [];
  let y = 792;
  const flush = () => {
    pages.push(Buffer.concat([Buffer.from('BT\n'), ...content, Buffer.from('ET\n')]));
    content = [];
    y = 792;
  };
  for (const line of out) {
    const size = line.size ?? 10;
    const lead = size * 1.4;
    if (y - lead < 50) flush();
    y -= lead;
    content.push(
      Buffer.from(`/${line.bold ? 'F2' : 'F1'} ${size} Tf 1 0 0 1 50 ${y.toFixed(1)} Tm `),
      pdfString(line.text),
      Buffer.from(' Tj\n'),
    );
  }
  flush();

  const objects: Buffer[] = [];
  const pageIds = pages.map((_, i) => 5 + i * 2);
  objects[1] = Buffer.from('<< /Type /Catalog /Pages 2 0 R >>');
  objects[2] = Buffer.from(
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`,
  );
  objects[3] = Buffer.from(
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  );
  objects[4] = Buffer.from(
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
  );
  pages.forEach((stream, i) => {
    const id = pageIds[i]!;
    objects[id] = Buffer.from(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${id + 1} 0 R >>`,
    );
    objects[id + 1] = Buffer.concat([
      Buffer.from(`<< /Length ${stream.length} >>\nstream\n`),
      stream,
      Buffer.from('\nendstream'),
    ]);
  });
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = length;
    const body = Buffer.concat([
      Buffer.from(`${id} 0 obj\n`),
      objects[id]!,
      Buffer.from('\nendobj\n'),
    ]);
    parts.push(body);
    length += body.length;
  }
  const xref = [
    'xref',
    `0 ${objects.length}`,
    '0000000000 65535 f ',
    ...offsets.slice(1).map((offset) => `${String(offset).padStart(10, '0')} 00000 n `),
    'trailer',
    `<< /Size ${objects.length} /Root 1 0 R /Info << /Producer (Greffier) >> >>`,
    'startxref',
    String(length),
    '%%EOF',
    '',
  ].join('\n');
  parts.push(Buffer.from(xref));
  return Buffer.concat(parts);
}
