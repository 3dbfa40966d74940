/** What all export formats share: the meeting, its labels, dates and times. */
import type { Speaker } from '../../shared/meetings.js';
import type { Minutes } from '../../shared/minutes.js';
import { withMarkersInPlace, type MeetingSegment } from '../../shared/transcript.js';

/** What every export needs: the meeting as the clerk sees it. */
export interface ExportableMeeting {
  title: string;
  startedAt: string;
  durationMs: number;
  language: string;
  speakers: Speaker[];
  segments: MeetingSegment[];
  minutes?: Minutes;
  /** Moments the clerk flagged while recording (the M key). */
  markers?: { atMs: number; label: string }[];
  /** The approval the document carries at its end (approved minutes only). */
  approval?: { approver: string; approvedAt: string; fingerprint: string; version: number };
}

export type Lang = 'fr' | 'en';
export const LABELS = {
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
    // What the screen says of an empty part of the minutes (src/renderer/i18n: minutes.none).
    none: 'Rien de relevé.',
    seg: 'voir',
    marker: 'Repère',
    approval: 'Approbation',
    approvedBy: 'Approuvé par',
    on: 'le',
    version: 'version',
    fingerprint: 'Empreinte de la clé',
    speakers: 'Intervenants (temps de parole)',
    draft: 'Projet — non approuvé',
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
    none: 'None recorded.',
    seg: 'see',
    marker: 'Marker',
    approval: 'Approval',
    approvedBy: 'Approved by',
    on: 'on',
    version: 'version',
    fingerprint: 'Key fingerprint',
    speakers: 'Speakers (speaking time)',
    draft: 'Draft — not approved',
    colon: ':',
  },
} as const;

/** The headings that open each part of a document, per language (for signed exports). */
export const PART_HEADINGS = Object.values(LABELS).map((l) => ({
  minutes: l.minutes,
  transcript: l.transcript,
  approval: l.approval,
}));

/** The transcript with the clerk's markers in their place (see src/shared/transcript.ts). */
export function transcriptWithMarkers(meeting: ExportableMeeting) {
  return withMarkersInPlace(meeting.segments, meeting.markers ?? []);
}

export function lang(meeting: ExportableMeeting): Lang {
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
export function dateLine(meeting: ExportableMeeting, timeZone?: string): string {
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

export function clock(ms: number): string {
  return timestamp(ms, '.').slice(0, 8);
}

/** Each named speaker's speaking time, longest first (from the transcript's segments). */
export function speakingTimes(meeting: ExportableMeeting): { name: string; ms: number }[] {
  const time = new Map<string, number>();
  for (const s of meeting.segments) {
    if (s.speakerId) time.set(s.speakerId, (time.get(s.speakerId) ?? 0) + (s.endMs - s.startMs));
  }
  return meeting.speakers
    .filter((s) => time.has(s.id))
    .map((s) => ({ name: s.name, ms: time.get(s.id)! }))
    .sort((a, b) => b.ms - a.ms);
}

export function speakerName(
  meeting: ExportableMeeting,
  id: string | undefined,
): string | undefined {
  return id ? meeting.speakers.find((s) => s.id === id)?.name : undefined;
}

/** " (see 00:01:02, 00:03:04)": the transcript times a minutes item cites. */
export function segmentRefs(meeting: ExportableMeeting): (ids: string[]) => string {
  const l = LABELS[lang(meeting)];
  const byId = new Map(meeting.segments.map((s) => [s.id, s]));
  return (ids) => {
    const times = ids.flatMap((id) => (byId.has(id) ? [clock(byId.get(id)!.startMs)] : []));
    return times.length ? ` (${l.seg} ${times.join(', ')})` : '';
  };
}

/**
 * The mark every export of minutes that are not approved carries (a draft,
 * submitted or returned minutes, the correction of approved ones), so a
 * draft never reads as the record; undefined for approved minutes.
 */
export function draftMark(meeting: ExportableMeeting): string | undefined {
  return meeting.approval ? undefined : LABELS[lang(meeting)].draft;
}

/**
 * The signature block's two lines: who approved, when, which version, and the
 * key's short fingerprint (the whole one is in the .sig.json beside the file).
 */
export function approvalLines(meeting: ExportableMeeting, timeZone?: string): string[] {
  const a = meeting.approval;
  if (!a) return [];
  const l = LABELS[lang(meeting)];
  const when = meetingDate({ ...meeting, startedAt: a.approvedAt }, timeZone);
  const short = (a.fingerprint.slice(0, 16).match(/.{4}/g) ?? []).join(' ').toUpperCase();
  return [
    `${l.approvedBy} ${a.approver} ${l.on} ${when} (${l.version} ${a.version})`,
    `${l.fingerprint}${l.colon} ${short}`,
  ];
}

/** One line of a part of the minutes: a bold lead (an owner, a speaker) when it has one, then text. */
export interface MinutesLine {
  lead?: string;
  text: string;
  /** A list item; false for a paragraph (the overview, « Rien de relevé »). */
  bullet: boolean;
}

export interface MinutesPart {
  heading: string;
  lines: MinutesLine[];
}

/**
 * The minutes' parts in the order and words every format prints them: the
 * one place Markdown, DOCX and PDF take them from. An empty part says « Rien
 * de relevé », as the screen does, rather than a bare heading.
 */
export function minutesParts(meeting: ExportableMeeting): MinutesPart[] | undefined {
  const minutes = meeting.minutes;
  if (!minutes) return undefined;
  const l = LABELS[lang(meeting)];
  const refs = segmentRefs(meeting);
  const list = (lines: Omit<MinutesLine, 'bullet'>[]): MinutesLine[] =>
    lines.length
      ? lines.map((line) => ({ ...line, bullet: true }))
      : [{ text: l.none, bullet: false }];
  return [
    { heading: l.overview, lines: [{ text: minutes.overview, bullet: false }] },
    {
      heading: l.decisions,
      lines: list(minutes.decisions.map((d) => ({ text: d.text + refs(d.segmentIds) }))),
    },
    {
      heading: l.actions,
      lines: list(
        minutes.actionItems.map((a) => ({
          lead: a.owner,
          text: `${a.task}${a.due ? ` (${l.due}${l.colon} ${a.due})` : ''}${refs(a.segmentIds)}`,
        })),
      ),
    },
    { heading: l.questions, lines: list(minutes.openQuestions.map((q) => ({ text: q }))) },
    {
      heading: l.interventions,
      lines: list(minutes.interventions.map((i) => ({ lead: i.speaker, text: i.summary }))),
    },
  ];
}
