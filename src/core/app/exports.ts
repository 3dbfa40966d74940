import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import type { Speaker } from '../../shared/meetings.js';
import type { Minutes } from '../../shared/minutes.js';
import type { MeetingSegment } from '../../shared/transcript.js';
import { subtitleCues } from './subtitles.js';

export { subtitleCues, CUE_MAX_MS, LINE_MAX_CHARS } from './subtitles.js';

/** What every export needs: the meeting as the clerk sees it. */
export interface ExportableMeeting {
  title: string;
  startedAt: string;
  durationMs: number;
  language: string;
  speakers: Speaker[];
  segments: MeetingSegment[];
  minutes?: Minutes;
}

type Lang = 'fr' | 'en';
const LABELS = {
  fr: {
    minutes: 'Compte rendu',
    date: 'Date',
    duration: 'Durée',
    overview: 'Synthèse',
    decisions: 'Décisions',
    actions: 'Actions',
    questions: 'Questions ouvertes',
    interventions: 'Interventions',
    transcript: 'Transcription',
    due: 'échéance',
    noMinutes: 'Pas encore de compte rendu.',
    seg: 'voir',
    // French puts a narrow no-break space before « : ».
    colon: '\u202f:',
  },
  en: {
    minutes: 'Minutes',
    date: 'Date',
    duration: 'Duration',
    overview: 'Overview',
    decisions: 'Decisions',
    actions: 'Action items',
    questions: 'Open questions',
    interventions: 'Interventions',
    transcript: 'Transcript',
    due: 'due',
    noMinutes: 'No minutes yet.',
    seg: 'see',
    colon: ':',
  },
} as const;

function lang(meeting: ExportableMeeting): Lang {
  return (meeting.minutes?.language ?? meeting.language) === 'en' ? 'en' : 'fr';
}

/**
 * When the meeting took place, in its language and this computer's time zone:
 * « mardi 3 mars 2026 à 19:00 », "Tuesday 3 March 2026 at 19:00".
 */
export function meetingDate(meeting: ExportableMeeting, timeZone?: string): string {
  const date = new Date(meeting.startedAt);
  if (Number.isNaN(date.getTime())) return meeting.startedAt;
  return new Intl.DateTimeFormat(lang(meeting) === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'full',
    timeStyle: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/** The date and duration line every document opens with. */
function dateLine(meeting: ExportableMeeting, timeZone?: string): string {
  const l = LABELS[lang(meeting)];
  return `${l.date}${l.colon} ${meetingDate(meeting, timeZone)} — ${l.duration}${l.colon} ${clock(meeting.durationMs)}`;
}

/** 3723456 → "01:02:03,456" (SRT) or "01:02:03.456" (VTT). */
export function timestamp(ms: number, separator: ',' | '.'): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const rest = total % 1000;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(h)}:${two(m)}:${two(s)}${separator}${String(rest).padStart(3, '0')}`;
}

function clock(ms: number): string {
  return timestamp(ms, '.').slice(0, 8);
}

function speakerName(meeting: ExportableMeeting, id: string | undefined): string | undefined {
  return id ? meeting.speakers.find((s) => s.id === id)?.name : undefined;
}

/** A cue line may not hold "-->" (it would read as a timing line). Lines never hold a newline. */
function cueLine(text: string): string {
  return text.replace(/-->/g, '->');
}

/** SRT: cues of at most 7 s and two lines of 42 characters; the speaker opens their turn. */
export function toSrt(meeting: ExportableMeeting): string {
  const l = LABELS[lang(meeting)];
  const cues = subtitleCues(meeting.segments, (segment) => {
    const who = speakerName(meeting, segment.speakerId);
    return who ? `${who}${l.colon} ` : '';
  });
  return cues
    .map(
      (cue, i) =>
        `${i + 1}\n${timestamp(cue.startMs, ',')} --> ${timestamp(cue.endMs, ',')}\n${cue.lines.map(cueLine).join('\n')}\n`,
    )
    .join('\n');
}

/** VTT: the same cues, the speaker in VTT's voice tag. */
export function toVtt(meeting: ExportableMeeting): string {
  // <v Name> is VTT's speaker tag; "<" and "&" in the words must be escaped there.
  const escape = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const cues = subtitleCues(meeting.segments).map((cue, i) => {
    const who = speakerName(
      meeting,
      meeting.segments.find((s) => s.id === cue.segmentId)?.speakerId,
    );
    const text = cue.lines.map((line) => escape(cueLine(line))).join('\n');
    return `${cue.segmentId}-${i + 1}\n${timestamp(cue.startMs, '.')} --> ${timestamp(cue.endMs, '.')}\n${who ? `<v ${escape(who)}>` : ''}${text}\n`;
  });
  return `WEBVTT\n\n${cues.join('\n')}`;
}

/** Markdown with the words escaped, so a transcript line can never become a link or HTML. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>~])/g, '\\$1');
}

export function toMarkdown(meeting: ExportableMeeting, timeZone?: string): string {
  const l = LABELS[lang(meeting)];
  const md = escapeMarkdown;
  const byId = new Map(meeting.segments.map((s) => [s.id, s]));
  const refs = (ids: string[]) => {
    const times = ids.flatMap((id) => (byId.has(id) ? [clock(byId.get(id)!.startMs)] : []));
    return times.length ? ` (${l.seg} ${times.join(', ')})` : '';
  };
  const lines = [
    `# ${md(meeting.title)}`,
    '',
    `- ${l.date}${l.colon} ${meetingDate(meeting, timeZone)}`,
    `- ${l.duration}${l.colon} ${clock(meeting.durationMs)}`,
    '',
    `## ${l.minutes}`,
    '',
  ];
  const minutes = meeting.minutes;
  if (!minutes) lines.push(l.noMinutes, '');
  else {
    lines.push(`### ${l.overview}`, '', md(minutes.overview), '');
    lines.push(`### ${l.decisions}`, '');
    for (const d of minutes.decisions) lines.push(`- ${md(d.text)}${refs(d.segmentIds)}`);
    lines.push('', `### ${l.actions}`, '');
    for (const a of minutes.actionItems) {
      const due = a.due ? ` (${l.due}${l.colon} ${md(a.due)})` : '';
      lines.push(`- **${md(a.owner)}**${l.colon} ${md(a.task)}${due}${refs(a.segmentIds)}`);
    }
    lines.push('', `### ${l.questions}`, '');
    for (const q of minutes.openQuestions) lines.push(`- ${md(q)}`);
    lines.push('', `### ${l.interventions}`, '');
    for (const i of minutes.interventions) {
      lines.push(`- **${md(i.speaker)}**${l.colon} ${md(i.summary)}`);
    }
    lines.push('');
  }
  lines.push(`## ${l.transcript}`, '');
  for (const segment of meeting.segments) {
    const who = speakerName(meeting, segment.speakerId);
    lines.push(
      `- \`${clock(segment.startMs)}\` ${who ? `**${md(who)}**${l.colon} ` : ''}${md(segment.text)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** DOCX minutes: the official document a clerk edits and signs; text runs only, no fields. */
export async function toDocx(meeting: ExportableMeeting, timeZone?: string): Promise<Buffer> {
  const l = LABELS[lang(meeting)];
  const byId = new Map(meeting.segments.map((s) => [s.id, s]));
  const refs = (ids: string[]) => {
    const times = ids.flatMap((id) => (byId.has(id) ? [clock(byId.get(id)!.startMs)] : []));
    return times.length ? ` (${l.seg} ${times.join(', ')})` : '';
  };
  const heading = (text: string, level: (typeof HeadingLevel)[keyof typeof HeadingLevel]) =>
    new Paragraph({ text, heading: level });
  const bullet = (runs: TextRun[]) => new Paragraph({ children: runs, bullet: { level: 0 } });
  // The title and date open the body itself, not only the file's properties.
  const children: Paragraph[] = [
    heading(meeting.title, HeadingLevel.TITLE),
    new Paragraph({ text: dateLine(meeting, timeZone) }),
    heading(l.minutes, HeadingLevel.HEADING_1),
  ];
  const minutes = meeting.minutes;
  if (!minutes) children.push(new Paragraph({ text: l.noMinutes }));
  else {
    children.push(
      heading(l.overview, HeadingLevel.HEADING_2),
      new Paragraph({ text: minutes.overview }),
    );
    children.push(heading(l.decisions, HeadingLevel.HEADING_2));
    for (const d of minutes.decisions)
      children.push(bullet([new TextRun(d.text + refs(d.segmentIds))]));
    children.push(heading(l.actions, HeadingLevel.HEADING_2));
    for (const a of minutes.actionItems) {
      children.push(
        bullet([
          new TextRun({ text: `${a.owner}${l.colon} `, bold: true }),
          new TextRun(
            `${a.task}${a.due ? ` (${l.due}${l.colon} ${a.due})` : ''}${refs(a.segmentIds)}`,
          ),
        ]),
      );
    }
    children.push(heading(l.questions, HeadingLevel.HEADING_2));
    for (const q of minutes.openQuestions) children.push(bullet([new TextRun(q)]));
    children.push(heading(l.interventions, HeadingLevel.HEADING_2));
    for (const i of minutes.interventions) {
      children.push(
        bullet([
          new TextRun({ text: `${i.speaker}${l.colon} `, bold: true }),
          new TextRun(i.summary),
        ]),
      );
    }
  }
  children.push(heading(l.transcript, HeadingLevel.HEADING_1));
  for (const segment of meeting.segments) {
    const who = speakerName(meeting, segment.speakerId);
    children.push(
      new Paragraph({
        children: [
          new TextRun({ text: `${clock(segment.startMs)} `, color: '666666' }),
          ...(who ? [new TextRun({ text: `${who}${l.colon} `, bold: true })] : []),
          new TextRun(segment.text),
        ],
      }),
    );
  }
  const document = new Document({
    creator: 'Greffier',
    title: meeting.title,
    sections: [{ children }],
  });
  return Packer.toBuffer(document);
}

/** Letters that are not a base letter plus accents: « œ » is "oe", not nothing. */
const LIGATURES: Record<string, string> = {
  œ: 'oe',
  Œ: 'OE',
  æ: 'ae',
  Æ: 'AE',
  ß: 'ss',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ł: 'l',
  Ł: 'L',
  þ: 'th',
  Þ: 'TH',
  ð: 'd',
  Ð: 'D',
  ı: 'i',
  ĸ: 'k',
};

/** Latin text in plain ASCII letters: accents removed, ligatures spelt out. */
export function transliterate(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[œŒæÆßøØđĐłŁþÞðÐıĸ]/g, (char) => LIGATURES[char] ?? char);
}

/** A file name from the title that is safe on every OS. */
export function exportFileName(title: string, extension: string): string {
  const base = transliterate(title)
    .replace(/[^A-Za-z0-9 _-]+/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .slice(0, 80);
  return `${base || 'meeting'}.${extension}`;
}

// ------------------------------------------------------------------ PDF

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
  const byId = new Map(meeting.segments.map((s) => [s.id, s]));
  const refs = (ids: string[]) => {
    const times = ids.flatMap((id) => (byId.has(id) ? [clock(byId.get(id)!.startMs)] : []));
    return times.length ? ` (${l.seg} ${times.join(', ')})` : '';
  };
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
  for (const segment of meeting.segments) {
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
