import { Document, Header, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import {
  LABELS,
  approvalLines,
  clock,
  dateLine,
  draftMark,
  lang,
  meetingDate,
  minutesParts,
  speakerName,
  speakingTimes,
  timestamp,
  transcriptWithMarkers,
  type ExportableMeeting,
} from './export-common.js';
import { subtitleCues } from './subtitles.js';

export { meetingDate, timestamp, type ExportableMeeting } from './export-common.js';
export { toPdf } from './export-pdf.js';
export { subtitleCues } from './subtitles.js';

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
  const byId = new Map(meeting.segments.map((s) => [s.id, s]));
  const cues = subtitleCues(meeting.segments).map((cue, i) => {
    const who = speakerName(meeting, byId.get(cue.segmentId)?.speakerId);
    const text = cue.lines.map((line) => escape(cueLine(line))).join('\n');
    return `${cue.segmentId}-${i + 1}\n${timestamp(cue.startMs, '.')} --> ${timestamp(cue.endMs, '.')}\n${who ? `<v ${escape(who)}>` : ''}${text}\n`;
  });
  return `WEBVTT\n\n${cues.join('\n')}`;
}

/**
 * Markdown with only what Markdown reads escaped, so a transcript line can
 * never become a link, HTML, emphasis or code, nor start a heading, a list or
 * a quote, while plain sentences read as written (« M. Durand (version 1). »,
 * not « M\\. Durand \\(version 1\\)\\. »: walk 4, finding 27). Brackets are
 * escaped, so parentheses can never close a link.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<~]|&(?=#?\w+;)/g, '\\$&')
    .split('\n')
    .map((line) =>
      line
        // A heading, a quote, a bullet or a setext underline at the line's start.
        .replace(/^(\s*)([#>+=-])/, '$1\\$2')
        // An ordered list item: « 1. » or « 2) » then a space (or nothing) at the line's start.
        .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2'),
    )
    .join('\n');
}

export function toMarkdown(meeting: ExportableMeeting, timeZone?: string): string {
  const l = LABELS[lang(meeting)];
  const md = escapeMarkdown;
  const draft = draftMark(meeting);
  const lines = [
    `# ${md(meeting.title)}`,
    '',
    ...(draft ? [`**${md(draft)}**`, ''] : []),
    `- ${l.date}${l.colon} ${meetingDate(meeting, timeZone)}`,
    `- ${l.duration}${l.colon} ${clock(meeting.durationMs)}`,
    '',
    `## ${l.minutes}`,
    '',
  ];
  const parts = minutesParts(meeting);
  if (!parts) lines.push(l.noMinutes, '');
  for (const part of parts ?? []) {
    lines.push(`### ${part.heading}`, '');
    for (const line of part.lines) {
      const lead = line.lead === undefined ? '' : `**${md(line.lead)}**${l.colon} `;
      lines.push(`${line.bullet ? '- ' : ''}${lead}${md(line.text)}`);
    }
    lines.push('');
  }
  const times = speakingTimes(meeting);
  if (times.length) {
    lines.push(`## ${l.speakers}`, '');
    for (const s of times) lines.push(`- **${md(s.name)}**${l.colon} ${clock(s.ms)}`);
    lines.push('');
  }
  lines.push(`## ${l.transcript}`, '');
  for (const item of transcriptWithMarkers(meeting)) {
    if (item.kind === 'marker') {
      const label = item.label ? `${l.colon} ${md(item.label)}` : '';
      lines.push(`- \`${clock(item.atMs)}\` **${l.marker}**${label}`);
      continue;
    }
    const { segment } = item;
    const who = speakerName(meeting, segment.speakerId);
    lines.push(
      `- \`${clock(segment.startMs)}\` ${who ? `**${md(who)}**${l.colon} ` : ''}${md(segment.text)}`,
    );
  }
  const approval = approvalLines(meeting, timeZone);
  if (approval.length) lines.push('', `## ${l.approval}`, '', ...approval.map((a) => `- ${md(a)}`));
  return `${lines.join('\n')}\n`;
}

/** DOCX minutes: the official document a clerk edits and signs; text runs only, no fields. */
export async function toDocx(meeting: ExportableMeeting, timeZone?: string): Promise<Buffer> {
  const l = LABELS[lang(meeting)];
  const heading = (text: string, level: (typeof HeadingLevel)[keyof typeof HeadingLevel]) =>
    new Paragraph({ text, heading: level });
  const bullet = (runs: TextRun[]) => new Paragraph({ children: runs, bullet: { level: 0 } });
  // The title and date open the body itself, not only the file's properties.
  const draft = draftMark(meeting);
  const mark = (text: string) =>
    new Paragraph({ children: [new TextRun({ text, bold: true, color: 'B00020' })] });
  const children: Paragraph[] = [
    heading(meeting.title, HeadingLevel.TITLE),
    ...(draft ? [mark(draft)] : []),
    new Paragraph({ text: dateLine(meeting, timeZone) }),
    heading(l.minutes, HeadingLevel.HEADING_1),
  ];
  const parts = minutesParts(meeting);
  if (!parts) children.push(new Paragraph({ text: l.noMinutes }));
  for (const part of parts ?? []) {
    children.push(heading(part.heading, HeadingLevel.HEADING_2));
    for (const line of part.lines) {
      const runs = [
        ...(line.lead === undefined
          ? []
          : [new TextRun({ text: `${line.lead}${l.colon} `, bold: true })]),
        new TextRun(line.text),
      ];
      children.push(line.bullet ? bullet(runs) : new Paragraph({ children: runs }));
    }
  }
  const times = speakingTimes(meeting);
  if (times.length) {
    children.push(heading(l.speakers, HeadingLevel.HEADING_1));
    for (const s of times) {
      children.push(
        bullet([
          new TextRun({ text: `${s.name}${l.colon} `, bold: true }),
          new TextRun(clock(s.ms)),
        ]),
      );
    }
  }
  children.push(heading(l.transcript, HeadingLevel.HEADING_1));
  for (const item of transcriptWithMarkers(meeting)) {
    if (item.kind === 'marker') {
      children.push(
        new Paragraph({
          children: [
            new TextRun({ text: `${clock(item.atMs)} `, color: '666666' }),
            new TextRun({
              text: `${l.marker}${item.label ? `${l.colon} ${item.label}` : ''}`,
              bold: true,
            }),
          ],
        }),
      );
      continue;
    }
    const { segment } = item;
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
  const approval = approvalLines(meeting, timeZone);
  if (approval.length) {
    children.push(heading(l.approval, HeadingLevel.HEADING_1));
    for (const line of approval) children.push(new Paragraph({ text: line }));
  }
  const document = new Document({
    creator: 'Greffier',
    title: meeting.title,
    // A draft says so at the top of every page too, where a printed page is read.
    sections: [
      {
        ...(draft ? { headers: { default: new Header({ children: [mark(draft)] }) } } : {}),
        children,
      },
    ],
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
