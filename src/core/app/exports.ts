import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import type { Speaker } from '../../shared/meetings.js';
import type { Minutes } from '../../shared/minutes.js';
import type { MeetingSegment } from '../../shared/transcript.js';

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
  },
} as const;

function lang(meeting: ExportableMeeting): Lang {
  return (meeting.minutes?.language ?? meeting.language) === 'en' ? 'en' : 'fr';
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

/** Subtitle text may not contain a blank line (it would end the cue) nor "-->" (VTT). */
function cueText(text: string): string {
  return text
    .replace(/\r?\n\s*\r?\n/g, '\n')
    .replace(/-->/g, '->')
    .trim();
}

export function toSrt(meeting: ExportableMeeting): string {
  return meeting.segments
    .map((segment, i) => {
      const who = speakerName(meeting, segment.speakerId);
      const text = cueText(who ? `${who}: ${segment.text}` : segment.text);
      return `${i + 1}\n${timestamp(segment.startMs, ',')} --> ${timestamp(segment.endMs, ',')}\n${text}\n`;
    })
    .join('\n');
}

export function toVtt(meeting: ExportableMeeting): string {
  const cues = meeting.segments.map((segment) => {
    const who = speakerName(meeting, segment.speakerId);
    // <v Name> is VTT's speaker tag; "<" and "&" in the words must be escaped there.
    const escape = (s: string) =>
      s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const text = cueText(escape(segment.text));
    return `${segment.id}\n${timestamp(segment.startMs, '.')} --> ${timestamp(segment.endMs, '.')}\n${who ? `<v ${escape(who)}>` : ''}${text}\n`;
  });
  return `WEBVTT\n\n${cues.join('\n')}`;
}

/** Markdown with the words escaped, so a transcript line can never become a link or HTML. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>~])/g, '\\$1');
}

export function toMarkdown(meeting: ExportableMeeting): string {
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
    `- ${l.date}: ${meeting.startedAt}`,
    `- ${l.duration}: ${clock(meeting.durationMs)}`,
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
      const due = a.due ? ` (${l.due}: ${md(a.due)})` : '';
      lines.push(`- **${md(a.owner)}**: ${md(a.task)}${due}${refs(a.segmentIds)}`);
    }
    lines.push('', `### ${l.questions}`, '');
    for (const q of minutes.openQuestions) lines.push(`- ${md(q)}`);
    lines.push('', `### ${l.interventions}`, '');
    for (const i of minutes.interventions) lines.push(`- **${md(i.speaker)}**: ${md(i.summary)}`);
    lines.push('');
  }
  lines.push(`## ${l.transcript}`, '');
  for (const segment of meeting.segments) {
    const who = speakerName(meeting, segment.speakerId);
    lines.push(
      `- \`${clock(segment.startMs)}\` ${who ? `**${md(who)}**: ` : ''}${md(segment.text)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** DOCX minutes: the official document a clerk edits and signs; text runs only, no fields. */
export async function toDocx(meeting: ExportableMeeting): Promise<Buffer> {
  const l = LABELS[lang(meeting)];
  const byId = new Map(meeting.segments.map((s) => [s.id, s]));
  const refs = (ids: string[]) => {
    const times = ids.flatMap((id) => (byId.has(id) ? [clock(byId.get(id)!.startMs)] : []));
    return times.length ? ` (${l.seg} ${times.join(', ')})` : '';
  };
  const heading = (text: string, level: (typeof HeadingLevel)[keyof typeof HeadingLevel]) =>
    new Paragraph({ text, heading: level });
  const bullet = (runs: TextRun[]) => new Paragraph({ children: runs, bullet: { level: 0 } });
  const children: Paragraph[] = [
    heading(meeting.title, HeadingLevel.TITLE),
    new Paragraph({
      text: `${l.date}: ${meeting.startedAt} — ${l.duration}: ${clock(meeting.durationMs)}`,
    }),
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
          new TextRun({ text: `${a.owner}: `, bold: true }),
          new TextRun(`${a.task}${a.due ? ` (${l.due}: ${a.due})` : ''}${refs(a.segmentIds)}`),
        ]),
      );
    }
    children.push(heading(l.questions, HeadingLevel.HEADING_2));
    for (const q of minutes.openQuestions) children.push(bullet([new TextRun(q)]));
    children.push(heading(l.interventions, HeadingLevel.HEADING_2));
    for (const i of minutes.interventions) {
      children.push(
        bullet([new TextRun({ text: `${i.speaker}: `, bold: true }), new TextRun(i.summary)]),
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
          ...(who ? [new TextRun({ text: `${who}: `, bold: true })] : []),
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

/** A file name from the title that is safe on every OS. */
export function exportFileName(title: string, extension: string): string {
  const base = title
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9 _-]+/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .slice(0, 80);
  return `${base || 'meeting'}.${extension}`;
}
