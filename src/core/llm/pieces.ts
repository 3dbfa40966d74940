/**
 * Where a prompt can be read piece by piece. node-llama-cpp checks a job's
 * signal between generated tokens, not while it reads a prompt: a prompt
 * read in one go is read to its end even when its job was cancelled, and
 * whoever comes next (a question, the answer at release) waits behind it.
 * Read as a growing prefix, a cancel takes effect within one piece.
 *
 * Each cut is at a line break or between two JSON objects of a line (`},{`):
 * there the tokens of the prefix are those of the whole prompt, so only the
 * chat template's closing is read again. A cut inside words (measured with
 * the generated 1.5 B model) read ~35 more tokens per piece.
 */
const BOUNDARY = /\n|(?<=\},)(?=\{)/g;

/** Cut offsets, each piece at least `chars` long, all before `until`. */
export function pieceEnds(prompt: string, chars: number, until = prompt.length): number[] {
  const ends: number[] = [];
  let from = 0;
  for (const match of prompt.slice(0, until).matchAll(BOUNDARY)) {
    if (match.index - from < chars) continue;
    ends.push(match.index);
    from = match.index;
  }
  return ends;
}
