import type { SearchFilter } from '../../shared/minutes.js';
import type { Language } from '../../shared/transcript.js';

/**
 * Time and meeting references in a question become retrieval filters:
 * « la dernière séance » is the latest meeting, « en mars » the most recent
 * March, « le 12 mars » that day, « en 2025 » that year. Words are matched
 * without case or accents, in French and English.
 */

/** A meeting as references need it: when it started. */
export interface DatedMeeting {
  id: string;
  startedAt: string;
}

/**
 * Speaker references (« qu'a dit Mme Martin ») are resolved elsewhere (the
 * speaker filter of retrieval, issue 13): whoever provides one plugs it here
 * and its names are added to the filter's speakers.
 */
export type SpeakerReferences = (question: string, language: Language) => string[] | undefined;

export interface References {
  filter: SearchFilter;
  /** What was recognised, for the screen and for tests (e.g. "last-meeting", "month:2026-03"). */
  found: string[];
}

const MONTHS: Record<string, number> = {
  janvier: 1,
  fevrier: 2,
  mars: 3,
  avril: 4,
  mai: 5,
  juin: 6,
  juillet: 7,
  aout: 8,
  septembre: 9,
  octobre: 10,
  novembre: 11,
  decembre: 12,
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};
const MONTH_WORDS = Object.keys(MONTHS).join('|');

function folded(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\u2019']/g, "'");
}

const LAST_MEETING =
  /\b(?:la derniere (?:seance|reunion|fois|session)|(?:au|lors du) dernier (?:conseil|comite|bureau)|the last (?:meeting|session|time)|last (?:meeting|session|time))\b/;
const PREVIOUS_MONTH = /\b(?:le mois dernier|last month)\b/;

const iso = (year: number, month: number, day: number) =>
  `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * The filter a question's own words ask for. `now` decides which March « en
 * mars » means (the latest one that has begun); meetings decide which is
 * the last one.
 */
export function resolveReferences(
  question: string,
  options: {
    meetings: DatedMeeting[];
    language: Language;
    now?: Date;
    speakers?: SpeakerReferences;
  },
): References {
  const text = folded(question);
  const now = options.now ?? new Date();
  const filter: SearchFilter = {};
  const found: string[] = [];

  if (LAST_MEETING.test(text)) {
    const past = options.meetings
      .filter((m) => Date.parse(m.startedAt) <= now.getTime())
      .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
    if (past[0]) {
      filter.meetingIds = [past[0].id];
      found.push('last-meeting');
    }
  }

  const day = text.match(
    new RegExp(`\\b(?:le )?(\\d{1,2})(?:er)? (${MONTH_WORDS})(?: (\\d{4}))?\\b`),
  );
  const dayEn = text.match(
    new RegExp(`\\b(${MONTH_WORDS}) (\\d{1,2})(?:st|nd|rd|th)?(?:,? (\\d{4}))?\\b`),
  );
  const month = text.match(
    new RegExp(
      `\\b(?:en|in|au mois de|du mois de|de|d'|during) ?(${MONTH_WORDS})(?: (\\d{4}))?\\b`,
    ),
  );
  const year = text.match(/\b(?:en|in|durant|during) (20\d\d|19\d\d)\b/);
  const yearOf = (monthNumber: number, given?: string) => {
    if (given) return Number(given);
    const current = now.getUTCFullYear();
    return monthNumber <= now.getUTCMonth() + 1 ? current : current - 1;
  };

  if (day || dayEn) {
    const [d, m, y] = day
      ? [Number(day[1]), MONTHS[day[2]!]!, day[3]]
      : [Number(dayEn![2]), MONTHS[dayEn![1]!]!, dayEn![3]];
    if (d >= 1 && d <= 31) {
      const date = iso(yearOf(m, y), m, d);
      filter.from = date;
      filter.to = date;
      found.push(`day:${date}`);
    }
  } else if (month) {
    const m = MONTHS[month[1]!]!;
    const y = yearOf(m, month[2]);
    filter.from = iso(y, m, 1);
    filter.to = iso(y, m, daysIn(y, m));
    found.push(`month:${iso(y, m, 1).slice(0, 7)}`);
  } else if (PREVIOUS_MONTH.test(text)) {
    const y = now.getUTCMonth() === 0 ? now.getUTCFullYear() - 1 : now.getUTCFullYear();
    const m = now.getUTCMonth() === 0 ? 12 : now.getUTCMonth();
    filter.from = iso(y, m, 1);
    filter.to = iso(y, m, daysIn(y, m));
    found.push(`month:${iso(y, m, 1).slice(0, 7)}`);
  } else if (year) {
    filter.from = `${year[1]}-01-01`;
    filter.to = `${year[1]}-12-31`;
    found.push(`year:${year[1]}`);
  }

  const speakers = options.speakers?.(question, options.language);
  if (speakers && speakers.length > 0) {
    filter.speakers = speakers;
    found.push(...speakers.map((s) => `speaker:${s}`));
  }
  return { filter, found };
}

/** Two filters that must both hold (a conversation's and the question's own). */
export function bothFilters(
  a: SearchFilter | undefined,
  b: SearchFilter | undefined,
): SearchFilter {
  const out: SearchFilter = { ...a, ...b };
  if (a?.meetingIds && b?.meetingIds) {
    const inB = new Set(b.meetingIds);
    const common = a.meetingIds.filter((id) => inB.has(id));
    // Disjoint: the question's own words win over the conversation's context.
    out.meetingIds = common.length > 0 ? common : b.meetingIds;
  }
  return out;
}
