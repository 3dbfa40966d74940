import { UsageError } from '../../core/errors.js';
import {
  addRedactions,
  eraseRedacted,
  listRedactions,
  removeRedaction,
  suggestRedactions,
  type SpanInput,
} from '../../core/redaction/index.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';
import { oneId, PASS, passOption, withOpenVault } from '../vault-session.js';

/** "s0003:10-22": a segment and a character range in its text. */
function parseSpan(value: string): SpanInput {
  const match = /^([A-Za-z0-9_-]+):(\d+)-(\d+)$/.exec(value);
  if (!match)
    throw new UsageError(`--span takes SEGMENT:START-END (e.g. s0003:10-22), not "${value}"`);
  return { segmentId: match[1]!, start: Number(match[2]), end: Number(match[3]) };
}

export const redactCommand: Command = {
  path: ['redact'],
  summary:
    'hide names and numbers of a meeting from exports and answers (suggest, add, list, remove, erase)',
  usage: `
Usage: greffier redact <meeting id> [--suggest | --apply-suggested | --span S:A-B… | --remove <mark> | --erase] [--json]

Without an action: lists the meeting's redactions. Exports, search and
answers show "[caviardé]" (French meetings) or "[redacted]" instead; the
vault keeps the words for authorised use until --erase removes them.

Options:
  --suggest          list what looks personal: the speakers' names, e-mail addresses,
                     phone numbers, IBAN, NIR and SIRET (checksums checked)
  --apply-suggested  redact every suggestion
  --span S:A-B       redact characters A to B of segment S (repeatable)
  --remove <mark>    undo one redaction (by its id)
  --erase            rewrite the transcript and minutes without the hidden words, for good
  --json             JSON output
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      suggest: { type: 'boolean' },
      'apply-suggested': { type: 'boolean' },
      span: { type: 'string', multiple: true },
      remove: { type: 'string' },
      erase: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const id = oneId(positionals, 'redact');
    const actions = [
      values.suggest,
      values['apply-suggested'],
      values.span,
      values.remove,
      values.erase,
    ];
    if (actions.filter((a) => a !== undefined && a !== false).length > 1) {
      throw new UsageError('choose one of --suggest, --apply-suggested, --span, --remove, --erase');
    }
    const spans = (values.span ?? []).map(parseSpan);
    const result = await withOpenVault(io, values['passphrase-file'], async (open) => {
      if (values.suggest) return suggestRedactions(open, id);
      if (values['apply-suggested'])
        return addRedactions(open, id, await suggestRedactions(open, id));
      if (spans.length) return addRedactions(open, id, spans);
      if (values.remove) {
        await removeRedaction(open, id, values.remove);
        return { removed: values.remove };
      }
      if (values.erase) return { erased: await eraseRedacted(open, id) };
      return listRedactions(open, id);
    });
    if (values.json) return writeLine(io.stdout, JSON.stringify(result, null, 2));
    if (!Array.isArray(result)) {
      writeLine(
        io.stdout,
        'removed' in result
          ? `redaction ${result.removed} removed`
          : `${result.erased} redaction(s) erased for good`,
      );
      return;
    }
    if (result.length === 0)
      writeLine(io.stdout, values.suggest ? 'nothing to suggest' : 'no redactions');
    for (const r of result) {
      const head = 'id' in r ? `${r.id}  ` : '';
      const text = 'text' in r && r.text !== undefined ? JSON.stringify(r.text) : '(erased)';
      writeLine(
        io.stdout,
        `${head}${r.segmentId}:${r.start}-${r.end}  ${r.kind.padEnd(6)}  ${text}`,
      );
    }
  },
};
