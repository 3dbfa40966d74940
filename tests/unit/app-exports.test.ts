import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  escapeMarkdown,
  exportFileName,
  meetingDate,
  subtitleCues,
  timestamp,
  toDocx,
  toMarkdown,
  toSrt,
  toVtt,
  type ExportableMeeting,
} from '../../src/core/app/exports.js';

const meeting: ExportableMeeting = {
  title: 'Conseil municipal — séance du 3 mars',
  startedAt: '2026-03-03T18:00:00.000Z',
  durationMs: 3_725_400,
  language: 'fr',
  speakers: [
    { id: 'p1', name: 'Mme la Maire' },
    { id: 'p2', name: 'M. Dupont' },
  ],
  segments: [
    { id: 's0001', startMs: 0, endMs: 2500, text: 'La séance est ouverte.', speakerId: 'p1' },
    {
      id: 's0002',
      startMs: 2500,
      endMs: 3_725_400,
      text: 'Le budget <img src=x onerror=alert(1)> -->\n\nest voté.',
      speakerId: 'p2',
    },
  ],
  minutes: {
    meetingId: 'm1',
    language: 'fr',
    template: 'general',
    title: 'Séance du 3 mars',
    overview: 'Vote du *budget*.',
    decisions: [{ text: 'Budget adopté', segmentIds: ['s0002', 'missing'] }],
    actionItems: [
      { owner: 'M. Dupont', task: 'Publier le budget', due: 'avril', segmentIds: ['s0002'] },
    ],
    openQuestions: ['Calendrier des travaux ?'],
    topics: ['budget'],
    interventions: [{ speaker: 'M. Dupont', summary: 'Présente le budget.' }],
    generatedAt: '2026-03-03T19:00:00.000Z',
    model: 'llm.gguf',
    method: { chunks: 1, contextSize: 2048 },
  },
};

function documentXml(bytes: Buffer): string {
  for (let i = 0; i < bytes.length - 30; i++) {
    if (bytes.readUInt32LE(i) !== 0x04034b50) continue;
    const nameLength = bytes.readUInt16LE(i + 26);
    const name = bytes.subarray(i + 30, i + 30 + nameLength).toString();
    if (name !== 'word/document.xml') continue;
    const start = i + 30 + nameLength + bytes.readUInt16LE(i + 28);
    const data = bytes.subarray(start, start + bytes.readUInt32LE(i + 18));
    return (bytes.readUInt16LE(i + 8) === 8 ? inflateRawSync(data) : data).toString('utf8');
  }
  throw new Error('no word/document.xml');
}

describe('exports', () => {
  it('formats SRT and VTT times', () => {
    expect(timestamp(3_723_456, ',')).toBe('01:02:03,456');
    expect(timestamp(0, '.')).toBe('00:00:00.000');
  });

  it('writes SRT cues with speakers, never letting a blank line end a cue early', () => {
    const srt = toSrt(meeting);
    expect(
      srt.startsWith(
        '1\n00:00:00,000 --> 00:00:02,500\nMme la Maire\u202f: La séance est ouverte.\n',
      ),
    ).toBe(true);
    // A one-hour line with few words: its cue is cut to 7 s, its words kept on two lines.
    expect(srt).toContain(
      '2\n00:00:02,500 --> 00:00:09,500\nM. Dupont\u202f: Le budget <img src=x\nonerror=alert(1)> -> est voté.\n',
    );
    expect(srt).not.toMatch(/\n\n(?!\d+\n)/);
  });

  const speech = (text: string, startMs: number, endMs: number) => ({
    ...meeting,
    speakers: [],
    segments: [{ id: 's1', startMs, endMs, text }],
  });

  it('cuts subtitles into cues of at most 7 s and two lines of 42 characters, between words', () => {
    const text =
      'La séance est ouverte. Nous examinons ce soir le budget primitif de la commune, les subventions aux associations sportives et culturelles, puis la question des travaux de voirie rue Victor-Hugo.';
    const cues = subtitleCues(speech(text, 30_000, 45_000).segments);
    expect(cues.length).toBe(4);
    for (const cue of cues) {
      expect(cue.endMs - cue.startMs).toBeLessThanOrEqual(7000);
      expect(cue.endMs).toBeGreaterThan(cue.startMs);
      expect(cue.lines.length).toBeLessThanOrEqual(2);
      for (const line of cue.lines) expect(line.length).toBeLessThanOrEqual(42);
    }
    // Every word once, in order; no word cut in two; cues follow each other in time.
    expect(cues.flatMap((cue) => cue.lines).join(' ')).toBe(text);
    expect(cues[0]!.startMs).toBe(30_000);
    expect(cues.at(-1)!.endMs).toBe(45_000);
    cues.slice(1).forEach((cue, i) => expect(cue.startMs).toBe(cues[i]!.endMs));
    // A sentence's end closes its cue; a comma near the end of a full cue does too.
    expect(cues[0]!.lines.join(' ')).toBe('La séance est ouverte.');
    expect(cues[1]!.lines).toEqual(['Nous examinons ce soir le budget primitif', 'de la commune,']);
    // Without token times, time is shared in proportion to the characters.
    expect(cues[0]!.endMs - 30_000).toBe(Math.round((15_000 * 23) / (text.length + 1)));
    // A long segment with few words is mostly silence: the words are not spread over it.
    const sparse = subtitleCues(speech('Adopté à l’unanimité.', 0, 3_600_000).segments);
    expect(sparse.map((cue) => [cue.startMs, cue.endMs])).toEqual([[0, 7000]]);
  });

  it('times cues on whisper token timestamps when the line still holds their words', () => {
    const words = ['Bonjour', 'à', 'tous.', 'Le', 'vote', 'est', 'ouvert', 'maintenant.'];
    // "tous." ends at 1.2 s; the next words come after a long pause.
    const spans = [
      [0, 500],
      [500, 700],
      [700, 1200],
      [9000, 9400],
      [9400, 9800],
      [9800, 10_100],
      [10_100, 10_600],
      [10_600, 11_500],
    ];
    const segment = {
      id: 's1',
      startMs: 0,
      endMs: 11_500,
      text: words.join(' '),
      tokens: words.map((word, i) => ({
        text: ` ${word}`,
        startMs: spans[i]![0]!,
        endMs: spans[i]![1]!,
        p: 0.9,
      })),
    };
    const cues = subtitleCues([segment]);
    expect(cues.map((cue) => [cue.startMs, cue.endMs, cue.lines.join(' ')])).toEqual([
      [0, 7000, 'Bonjour à tous.'],
      [9000, 11_500, 'Le vote est ouvert maintenant.'],
    ]);
    // Corrected by hand: the tokens no longer spell the line, so time is shared by characters.
    const edited = subtitleCues([
      { ...segment, text: 'Bonjour à toutes et à tous.', edited: true },
    ]);
    expect(edited).toHaveLength(1);
    expect(edited[0]!.endMs).toBe(7000);
  });

  it('writes VTT with voice tags and the words escaped', () => {
    const vtt = toVtt(meeting);
    expect(
      vtt.startsWith('WEBVTT\n\ns0001-1\n00:00:00.000 --> 00:00:02.500\n<v Mme la Maire>La séance'),
    ).toBe(true);
    expect(vtt).toContain(
      '<v M. Dupont>Le budget &lt;img src=x onerror=alert(1)&gt; -&gt;\nest voté.',
    );
    expect(vtt).not.toContain('-->\nest');
    expect(vtt).not.toContain('<img');
  });

  it('writes Markdown minutes with links to segment times and no live HTML', () => {
    const md = toMarkdown(meeting);
    expect(md).toContain('# Conseil municipal — séance du 3 mars');
    expect(md).toContain('### Décisions');
    expect(md).toContain('- Budget adopté (voir 00:00:02)');
    expect(md).toContain(
      '- **M. Dupont**\u202f: Publier le budget (échéance\u202f: avril) (voir 00:00:02)',
    );
    expect(md).toContain('Vote du \\*budget\\*.');
    expect(md).toContain('\\<img src=x onerror=alert(1)>');
    expect(md).not.toMatch(/[^\\]<img/);
    expect(escapeMarkdown('[a](http://x)')).toBe('\\[a\\](http://x)');
  });

  it('escapes in Markdown only what Markdown reads, where it reads it (walk 4, finding 27)', () => {
    // Plain sentences stay as written: no « sportive\. », « M\. Durand », « \(version 1\) ».
    for (const plain of [
      'Subvention à l’association sportive.',
      'M. Durand (version 1) : 2 000 € — 50 % !',
      'Le point 3. Budget',
    ]) {
      expect(escapeMarkdown(plain)).toBe(plain);
    }
    // What would start a heading, a list, a quote or a code block at a line's start is escaped there.
    expect(escapeMarkdown('# Titre')).toBe('\\# Titre');
    expect(escapeMarkdown('1. premier\n2) second\n- tiret\n+ plus\n> cité')).toBe(
      '1\\. premier\n2\\) second\n\\- tiret\n\\+ plus\n\\> cité',
    );
    // Emphasis, code, links, HTML and entities are escaped anywhere.
    expect(escapeMarkdown('a_b *c* `d` [e] <f> &amp; ~~g~~ \\')).toBe(
      'a\\_b \\*c\\* \\`d\\` \\[e\\] \\<f> \\&amp; \\~\\~g\\~\\~ \\\\',
    );
  });

  it('says « Rien de relevé » for an empty part of the minutes in every format, like the screen', async () => {
    const empty = {
      ...meeting,
      minutes: { ...meeting.minutes!, decisions: [], openQuestions: [], interventions: [] },
    };
    const md = toMarkdown(empty);
    expect(md).toContain('### Décisions\n\nRien de relevé.\n');
    expect(md).toContain('### Questions ouvertes\n\nRien de relevé.\n');
    expect(md).toContain('### Interventions\n\nRien de relevé.\n');
    const docx = documentXml(await toDocx(empty)).replace(/<[^>]+>/g, ' ');
    expect(docx.match(/Rien de relevé\./g)).toHaveLength(3);
    const english = { ...empty, minutes: { ...empty.minutes, language: 'en' as const } };
    expect(toMarkdown(english)).toContain('### Open questions\n\nNone recorded.\n');
  });

  it('writes a real DOCX whose text holds the minutes and the transcript', async () => {
    const bytes = await toDocx(meeting);
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    const xml = documentXml(bytes);
    const text = xml.replace(/<[^>]+>/g, ' ');
    expect(text).toContain('Conseil municipal — séance du 3 mars');
    expect(text).toContain('Budget adopté (voir 00:00:02)');
    expect(text).toContain('Publier le budget (échéance\u202f: avril)');
    // The body opens with the title (Title style) and the date in the meeting's language.
    expect(xml).toMatch(/<w:pStyle w:val="Title"\/>.*Conseil municipal — séance du 3 mars/);
    const paris = documentXml(await toDocx(meeting, 'Europe/Paris')).replace(/<[^>]+>/g, '');
    expect(paris).toContain('Date\u202f: mardi 3 mars 2026 à 19:00 — Durée\u202f: 01:02:05');
    // The injected markup is escaped XML text, never an element of the document.
    expect(xml).toContain('Le budget &lt;img src=x onerror=alert(1)&gt;');
  });

  it('prints the date in the meeting language and local time, never as a UTC ISO string', () => {
    expect(meetingDate(meeting, 'Europe/Paris')).toBe('mardi 3 mars 2026 à 19:00');
    expect(meetingDate({ ...meeting, minutes: undefined, language: 'en' }, 'Europe/Paris')).toBe(
      'Tuesday, 3 March 2026 at 19:00',
    );
    const md = toMarkdown(meeting, 'Europe/Paris');
    expect(md).toContain('- Date\u202f: mardi 3 mars 2026 à 19:00');
    expect(md).toContain('- Durée\u202f: 01:02:05');
    expect(md).not.toContain('2026-03-03T');
  });

  it('says when there are no minutes yet, in the meeting language', () => {
    const { minutes: _minutes, ...bare } = meeting;
    expect(toMarkdown({ ...bare, language: 'en' })).toContain('No minutes yet.');
  });

  it('makes file names safe on every system', () => {
    expect(exportFileName('Conseil municipal — séance du 3/03 : budget', 'docx')).toBe(
      'Conseil-municipal-seance-du-303-budget.docx',
    );
    expect(exportFileName('../../', 'md')).toBe('meeting.md');
    expect(exportFileName('Séance des œuvres sociales — Œdipe', 'md')).toBe(
      'Seance-des-oeuvres-sociales-OEdipe.md',
    );
    expect(exportFileName('Straße Ærø Łódź', 'srt')).toBe('Strasse-AEro-Lodz.srt');
  });
});

describe("the clerk's markers in the exports", () => {
  const marked: ExportableMeeting = {
    ...meeting,
    markers: [
      { atMs: 1_000, label: 'vote' },
      { atMs: 4_000_000, label: '' },
    ],
  };

  it('sit in the Markdown transcript before the first line that follows them', () => {
    const md = toMarkdown(marked);
    const first = md.indexOf('La séance est ouverte');
    const vote = md.indexOf('**Repère**\u202f: vote');
    const second = md.indexOf('Le budget');
    expect(first).toBeGreaterThan(0);
    expect(vote).toBeGreaterThan(first);
    expect(second).toBeGreaterThan(vote);
    // A marker after the last line closes the transcript.
    expect(md.trimEnd().endsWith('**Repère**')).toBe(true);
    expect(toMarkdown({ ...marked, language: 'en', minutes: undefined })).toContain(
      '**Marker**: vote',
    );
  });

  it('are in the DOCX transcript too (the PDF: see app-export-pdf.test.ts)', async () => {
    expect(documentXml(await toDocx(marked))).toContain('Repère');
  });
});
