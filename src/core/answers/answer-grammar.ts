/**
 * The answer's grammar for a model that starts writing at the answer's first
 * word. With the JSON schema (answerSchema), the model's first tokens are the
 * JSON around the answer — `{`, `"answer"`, `:`, ` "` — each a whole
 * decoding step before anything can be shown or said. Here that opening is
 * given (node-llama-cpp's responsePrefix: read with the prompt, not written
 * token by token) and the grammar constrains what follows it: the same
 * answer as the schema allows, in one fixed layout. Its citations can still
 * only name a passage given and one of that passage's own sentences, and
 * every citation is still checked against the stored transcript afterwards.
 */

/** What every answer starts with; the model writes from the answer's first character on. */
export const ANSWER_PREFIX = '{"answer": "';

/** What the grammar asks the model to write after the JSON, so generation stops there. */
export const ANSWER_STOP = '\n\n\n\n';

/** A GBNF string literal holding `text` exactly. */
function literal(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `"${escaped}"`;
}

/** A JSON string's body as the model writes it (after its opening quote). */
const JSON_CHAR = String.raw`[^"\\\x7F\x00-\x1F] | "\\" ["\\/bfnrt] | "\\u" [0-9a-fA-F]{4}`;

/**
 * GBNF for what follows ANSWER_PREFIX: either an answer of 1 to `answerChars`
 * characters with 1 to `maxCitations` citations of the passages given, or
 * the exact not-found sentence with none. Mirrors answerSchema().
 */
export function answerGrammar(
  passages: { key: string; quotes: string[] }[],
  notFound: string,
  answerChars: number,
  maxCitations: number,
): string {
  const citations = passages
    .filter((p) => p.quotes.length > 0)
    .map((p, i) => {
      const quotes = p.quotes.map((q) => literal(JSON.stringify(q))).join(' | ');
      const opening = literal(`{"passage": ${JSON.stringify(p.key)}, "quote": `);
      return `citation${i} ::= ${opening} ( ${quotes} ) "}"`;
    });
  const anyCitation = citations.map((_, i) => `citation${i}`).join(' | ');
  const found =
    citations.length > 0
      ? `found ::= char{1,${answerChars}} ${literal('", "citations": [')} citation ( ", " citation ){0,${maxCitations - 1}} "]}"`
      : undefined;
  const none = `not-found ::= ${literal(`${JSON.stringify(notFound).slice(1)}, "citations": []}`)}`;
  return [
    `root ::= ( ${found ? 'found | ' : ''}not-found ) ${literal(ANSWER_STOP)} [\\n]*`,
    `char ::= ${JSON_CHAR}`,
    ...(found ? [found, `citation ::= ${anyCitation}`, ...citations] : []),
    none,
  ].join('\n');
}
