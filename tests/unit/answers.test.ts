import { describe, expect, it } from 'vitest';
import { dataBlock, fill, jsonLine, loadPrompts } from '../../src/core/llm/prompts.js';
import {
  answerOpening,
  answerGrammarFor,
  answerTextStream,
  PASSAGE_CHARS,
  passageExcerpt,
  promptPassages,
  quotableSentences,
  retrievePassages,
} from '../../src/core/answers/answer.js';
import { ModelHost } from '../../src/core/llm/host.js';
import { SearchIndex } from '../../src/core/search/index.js';
import { readFirst, readPassages } from '../../src/core/answers/read-passages.js';
import { normaliseQuote, verifyCitations } from '../../src/core/answers/verify.js';

const segments: Record<
  string,
  Record<string, { text: string; startMs: number; endMs: number; speaker?: string }>
> = {
  m1: {
    s1: {
      text: 'Je mets le budget aux voix : adopté par vingt et une voix pour, six contre.',
      startMs: 70_000,
      endMs: 82_000,
      speaker: 'Mme la Maire',
    },
  },
};
const lookup = (m: string, s: string) => segments[m]?.[s];

describe('citation verification', () => {
  it('keeps a true quote and takes times and speaker from the stored segment', async () => {
    const { citations, dropped } = await verifyCitations(
      [{ meetingId: 'm1', segmentId: 's1', quote: 'adopté par vingt et une voix pour' }],
      lookup,
    );
    expect(dropped).toBe(0);
    expect(citations).toEqual([
      {
        meetingId: 'm1',
        segmentId: 's1',
        startMs: 70_000,
        endMs: 82_000,
        speaker: 'Mme la Maire',
        quote: 'adopté par vingt et une voix pour',
      },
    ]);
  });

  it('drops forged citations: unknown meeting, unknown segment, words not said, trivial quotes', async () => {
    const { citations, dropped } = await verifyCitations(
      [
        { meetingId: 'm2', segmentId: 's1', quote: 'adopté' },
        { meetingId: 'm1', segmentId: 's9', quote: 'adopté par vingt' },
        { meetingId: 'm1', segmentId: 's1', quote: 'adopté à l’unanimité' },
        { meetingId: 'm1', segmentId: 's1', quote: 'le' },
      ],
      lookup,
    );
    expect(citations).toEqual([]);
    expect(dropped).toBe(4);
  });

  it('tolerates case, spacing, curly quotes and surrounding punctuation, and removes duplicates', async () => {
    expect(normaliseQuote('  « Adopté   par vingt » ')).toBe('adopté par vingt');
    const { citations } = await verifyCitations(
      [
        { meetingId: 'm1', segmentId: 's1', quote: '"Adopté  par vingt et une voix pour."' },
        { meetingId: 'm1', segmentId: 's1', quote: 'adopté par vingt et une voix pour' },
      ],
      lookup,
    );
    expect(citations).toHaveLength(1);
  });
});

describe('answer grammar', () => {
  it('limits citations to retrieved passages and their own sentences; the model writes from the answer on', () => {
    const notFound = 'Aucune information trouvée dans les réunions enregistrées.';
    const grammar = answerGrammarFor(
      [
        { key: 'P1', text: 'Le budget est adopté. La séance est levée.' },
        { key: 'P2', text: 'Elle a dit « non » et "voilà" \\ fin.' },
      ],
      notFound,
      280,
    );
    // The JSON before the answer's first word is given, not written token by token.
    expect(grammar.prefix).toBe('{"answer": "');
    const rules = new Map(
      grammar.gbnf.split('\n').map((line) => line.split(' ::= ') as [string, string]),
    );
    expect(rules.get('root')).toBe('( found | not-found ) "\\n\\n\\n\\n" [\\n]*');
    // An answer of 1 to 280 characters carries 1 to 3 citations; "not found" carries none.
    expect(rules.get('found')).toMatch(
      /^char\{1,280\} .* citation \( ", " citation \)\{0,2\} "\]\}"$/,
    );
    expect(rules.get('not-found')).toBe(`"${notFound}\\", \\"citations\\": []}"`);
    expect(rules.get('citation')).toBe('citation0 | citation1');
    // Each passage with its own sentences only, as JSON strings spelled as GBNF literals.
    expect(rules.get('citation0')).toBe(
      String.raw`"{\"passage\": \"P1\", \"quote\": " ( "\"Le budget est adopté.\"" | "\"La séance est levée.\"" ) "}"`,
    );
    expect(rules.get('citation1')).toContain(String.raw`\"P2\"`);
    expect(rules.get('citation1')).toContain(
      String.raw`"\"Elle a dit « non » et \\\"voilà\\\" \\\\ fin.\""`,
    );
  });

  it('cuts long sentences at a word boundary, keeping them verbatim substrings', () => {
    const long = `${'mot '.repeat(80)}fin.`;
    const [sentence] = quotableSentences(long);
    expect(sentence!.length).toBeLessThanOrEqual(200);
    expect(long.startsWith(sentence!)).toBe(true);
  });
});

describe('answer text stream', () => {
  it('streams the decoded answer string out of partial JSON', () => {
    const out: string[] = [];
    const feed = answerTextStream((d) => out.push(d));
    for (const chunk of [
      '{"ans',
      'wer": "Le bud',
      'get \\"primitif\\"',
      ' \\u00e9',
      'tait adopté", "citations": [',
      ']}',
    ]) {
      feed(chunk);
    }
    expect(out.join('')).toBe('Le budget "primitif" était adopté');
  });
});

describe('passage excerpts', () => {
  const long = [
    'Bonsoir à toutes et à tous, la séance est ouverte.',
    'Nous avons reçu plusieurs courriers des habitants du quartier nord.',
    'Le budget primitif est adopté par vingt et une voix pour et six contre.',
    'La commission des finances se réunira de nouveau en mars prochain.',
    'Je remercie les services pour la préparation de ce dossier difficile.',
    'La parole est maintenant donnée à Madame Petit pour les travaux.',
  ].join(' ');

  it('gives a short passage whole', () => {
    const text = 'Le budget est adopté. La séance est levée.';
    expect(passageExcerpt(text, 'Quel budget ?', 'fr')).toBe(text);
  });

  it('keeps the sentences that match the question, whole, in order, within the budget', () => {
    expect(long.length).toBeGreaterThan(PASSAGE_CHARS);
    const excerpt = passageExcerpt(long, 'Combien de voix pour le budget primitif ?', 'fr');
    expect(excerpt.length).toBeLessThanOrEqual(PASSAGE_CHARS);
    expect(excerpt).toContain('Le budget primitif est adopté par vingt et une voix pour');
    // Every sentence kept is verbatim in the segment, so a quote of it verifies.
    const kept = quotableSentences(excerpt);
    for (const sentence of kept) expect(long).toContain(sentence);
    const positions = kept.map((sentence) => long.indexOf(sentence));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(kept.length).toBeLessThan(quotableSentences(long).length);
  });
});

describe('prompt passages', () => {
  const hit = (meetingId: string, segmentId: string, text: string) => ({
    meetingId,
    meetingTitle: `Réunion ${meetingId}`,
    meetingDate: '2026-03-12T18:00:00Z',
    kind: 'segment' as const,
    segmentId,
    startMs: 0,
    endMs: 1,
    speaker: 'Mme Petit',
    text,
    score: 1,
  });

  it('names each meeting once, with its passages keyed in reading order', () => {
    const hits = [
      hit('a', 's1', 'Premier passage.'),
      hit('b', 's7', 'Deuxième passage.'),
      hit('a', 's2', 'Troisième passage.'),
    ];
    const { passages, lines } = promptPassages(hits, 'passage', 'fr');
    expect(lines).toHaveLength(2);
    const parsed = lines.map(
      (l) =>
        JSON.parse(l) as {
          meeting: string;
          date: string;
          passages: { id: string; text: string }[];
        },
    );
    expect(parsed.map((m) => m.meeting)).toEqual(['Réunion a', 'Réunion b']);
    expect(parsed[0]!.date).toBe('2026-03-12');
    expect(parsed.flatMap((m) => m.passages.map((p) => p.id))).toEqual(['P1', 'P2', 'P3']);
    // The key the model cites leads back to the right segment.
    expect(passages.map((p) => `${p.key}:${p.hit.meetingId}/${p.hit.segmentId}`)).toEqual([
      'P1:a/s1',
      'P2:a/s2',
      'P3:b/s7',
    ]);
    expect(parsed[0]!.passages[1]!.text).toBe('Troisième passage.');
  });

  it('keeps what the model already read first and word for word, so its reading is reused', () => {
    const topics = [
      'budget',
      'piscine',
      'cantine',
      'voirie',
      'école',
      'parking',
      'marché',
      'stade',
    ];
    const long = topics
      .map((topic) => `Le point ${topic} est discuté longuement par le conseil municipal ce soir.`)
      .join(' ');
    const a = hit('a', 's1', long);
    const b = hit('b', 's7', 'La piscine ouvre en juin.');
    const c = hit('c', 's2', 'La cantine est bio.');
    // Read while the key was held, on the partial question.
    const early = promptPassages([a, b], 'le budget', 'fr');
    const read = readPassages(early);
    // At release the full question ranks another passage first, and would excerpt « a » otherwise.
    const question = 'Qu’a-t-on dit du stade ?';
    expect(passageExcerpt(long, question, 'fr')).not.toBe(early.passages[0]!.text);
    const final = promptPassages(readFirst([c, b, a], read), question, 'fr', read);
    expect(final.lines.slice(0, 2)).toEqual(early.lines);
    expect(final.passages.map((p) => p.hit.meetingId)).toEqual(['a', 'b', 'c']);
    // A passage no longer retrieved is dropped: the reading is reused up to it.
    const fewer = promptPassages(readFirst([b, c], read), question, 'fr', read);
    expect(fewer.passages.map((p) => p.hit.meetingId)).toEqual(['b', 'c']);
  });

  it('a new passage of a meeting already read goes after what was read, never inside it', () => {
    // Read while the key was held (or by the turn before): two meetings.
    const a1 = hit('a', 's1', 'Le budget primitif est voté.');
    const b1 = hit('b', 's7', 'La piscine ouvre en juin.');
    const early = promptPassages([a1, b1], 'budget', 'fr');
    const read = readPassages(early);
    // At release a new passage of meeting « a » comes: put in a's line, it would change
    // the first line and the model would read everything after P1 again.
    const a2 = hit('a', 's2', 'Il passe à dix millions.');
    const final = promptPassages(readFirst([a2, b1, a1], read), 'budget', 'fr', read);
    expect(final.lines.slice(0, 2)).toEqual(early.lines);
    expect(final.lines).toHaveLength(3);
    expect(final.passages.map((p) => `${p.key}:${p.hit.meetingId}/${p.hit.segmentId}`)).toEqual([
      'P1:a/s1',
      'P2:b/s7',
      'P3:a/s2',
    ]);
    expect((JSON.parse(final.lines[2]!) as { meeting: string }).meeting).toBe('Réunion a');
  });

  it('passages read while the key was held stay when the whole question still finds them among its candidates', async () => {
    const index = new SearchIndex();
    const texts = [
      'Le budget primitif est adopté par vingt et une voix.',
      'Le budget primitif prévoit dix millions pour les écoles.',
      'Le budget de la piscine est voté en mars.',
      'Le budget primitif de la cantine est discuté.',
      'La voirie du quartier nord est refaite.',
      'Le marché de Noël ouvre en décembre.',
      'Le stade accueille le tournoi de juin.',
    ];
    index.addMeeting({
      id: 'm',
      startedAt: '2026-03-12T18:00:00Z',
      language: 'fr',
      segments: texts.map((text, i) => ({ id: `s${i}`, startMs: i, endMs: i + 1, text })),
    });
    const base = { host: new ModelHost(), index, passages: 2 };
    const question = 'Combien de voix pour le budget primitif ?';
    const alone = await retrievePassages(question, base);
    expect(alone).toHaveLength(2);
    // Read while held: a candidate of the whole question (not in its best two) and a passage it does not find.
    const candidates = await retrievePassages(question, { ...base, passages: 4 });
    const candidate = candidates.find((h) => !alone.some((a) => a.segmentId === h.segmentId))!;
    const unrelated = {
      ...candidate,
      segmentId: 's6',
      text: texts[6]!,
    };
    const read = readPassages(promptPassages([candidate, unrelated], 'Combien de voix', 'fr'));
    const kept = await retrievePassages(question, { ...base, read });
    // The best two as before, then the one read (free to keep: the model has read it).
    expect(kept.map((h) => h.segmentId)).toEqual([
      ...alone.map((h) => h.segmentId),
      candidate.segmentId,
    ]);
  });

  it("finds the meeting's words even when its minutes match the question better", async () => {
    // Minutes lines cannot be quoted or checked: the question needs the segments behind them.
    const index = new SearchIndex();
    const decisions = Array.from({ length: 8 }, (_, i) => ({
      text: `Décision ${i + 1} : la décision prise est adoptée.`,
      segmentIds: ['s0'],
    }));
    index.addMeeting({
      id: 'm',
      startedAt: '2026-03-12T18:00:00Z',
      language: 'fr',
      segments: [
        {
          id: 's0',
          startMs: 0,
          endMs: 1,
          text: 'Nous avons pris la décision de rénover la cantine.',
        },
        { id: 's1', startMs: 1, endMs: 2, text: 'La voirie du quartier nord est refaite.' },
      ],
      minutes: {
        overview: 'Décisions du conseil.',
        decisions,
        actionItems: [],
        openQuestions: [],
      },
    } as never);
    const hits = await retrievePassages('Quelle décision a été prise ?', {
      host: new ModelHost(),
      index,
      passages: 3,
    });
    expect(hits.map((h) => [h.kind, h.segmentId])).toEqual([['segment', 's0']]);
  });

  it('every answer prompt begins with the opening read when the key goes down', () => {
    for (const language of ['fr', 'en'] as const) {
      const prompts = loadPrompts(language);
      const opening = answerOpening(language);
      expect(opening.system).toBe(prompts.answerSystem);
      const prompt = fill(prompts.answerUser, {
        passages: dataBlock(prompts, [jsonLine({ meeting: 'Conseil', passages: [] })]),
        question: jsonLine('Quel budget ?'),
      });
      expect(prompt.startsWith(opening.prompt)).toBe(true);
      expect(opening.prompt.endsWith(prompts.dataOpen)).toBe(true);
      expect(opening.prompt).not.toContain('Quel budget');
    }
  });
});
