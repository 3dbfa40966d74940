import { describe, expect, it } from 'vitest';
import {
  answerSchema,
  answerTextStream,
  quotableSentences,
} from '../../src/core/answers/answer.js';
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

describe('answer schema', () => {
  it('limits citations to retrieved passages and their own sentences', () => {
    const schema = answerSchema(
      [
        { key: 'P1', text: 'Le budget est adopté. La séance est levée.' },
        { key: 'P2', text: 'court' },
      ],
      'Aucune information trouvée dans les réunions enregistrées.',
    );
    const [found, notFound] = schema.oneOf;
    // An answer carries at least one citation; "not found" carries none.
    expect(found!.properties.citations).toMatchObject({ minItems: 1 });
    expect(notFound!.properties).toMatchObject({
      answer: { const: 'Aucune information trouvée dans les réunions enregistrées.' },
      citations: { maxItems: 0 },
    });
    type Item = { properties: { passage: { const: string }; quote: { enum: string[] } } };
    const items = (found!.properties.citations.items as { oneOf: Item[] }).oneOf;
    expect(items.map((i) => i.properties.passage.const)).toEqual(['P1', 'P2']);
    expect(items[0]!.properties.quote.enum).toEqual([
      'Le budget est adopté.',
      'La séance est levée.',
    ]);
    expect(items[1]!.properties.quote.enum).toEqual(['court']);
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
