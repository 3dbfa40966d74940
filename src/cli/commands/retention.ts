import { UsageError } from '../../core/errors.js';
import {
  applyRetention,
  retentionOf,
  retentionPreview,
  setLegalHold,
  setMeetingRule,
  type RetentionItem,
  type RetentionPlan,
  type RetentionView,
} from '../../core/retention/index.js';
import { recordRetentionSource } from '../../core/record/retention-source.js';
import { parseCommandArgs, writeLine, type Command, type CommandIo } from '../command.js';
import { oneId, PASS, passOption, withOpenVault } from '../vault-session.js';

function itemLine(item: RetentionItem): string {
  const what = item.part === 'meeting' ? 'whole meeting' : item.part;
  return `${item.meetingId}  ${what.padEnd(13)}  due ${item.dueAt.slice(0, 10)}  ${item.title}`;
}

function printPlan(io: CommandIo, plan: RetentionPlan, done: boolean): void {
  if (plan.items.length === 0) writeLine(io.stdout, 'nothing is due for deletion');
  for (const item of plan.items)
    writeLine(io.stdout, `${done ? 'deleted' : 'would delete'}  ${itemLine(item)}`);
  for (const item of plan.held) writeLine(io.stdout, `on hold  ${itemLine(item)}`);
}

/** "--audio 30 --transcript 1825": days per part; "--clear" goes back to the template's rule. */
function ruleFrom(values: Record<string, string | boolean | undefined>): unknown {
  if (values.clear) return null;
  const rule: Record<string, number> = {};
  for (const [flag, key] of [
    ['audio', 'audioDays'],
    ['transcript', 'transcriptDays'],
    ['minutes', 'minutesDays'],
  ] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !/^\d+$/.test(value)) {
      throw new UsageError(`--${flag} takes a whole number of days, not "${String(value)}"`);
    }
    rule[key] = Number(value);
  }
  return rule;
}

export const retentionShow: Command = {
  path: ['retention', 'show'],
  summary: "preview what retention would delete now (or one meeting's rule and hold)",
  usage: `
Usage: greffier retention show [<meeting id>] [--json]

Without an id: every deletion retention would make now, and what a legal
hold suspends. With an id: that meeting's rule, where it comes from, and
its hold.

Options:
  --json  JSON output
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      json: { type: 'boolean' },
    });
    if (positionals.length > 1) throw new UsageError('retention show takes at most one meeting id');
    const id = positionals[0];
    const result = await withOpenVault<RetentionPlan | RetentionView>(
      io,
      values['passphrase-file'],
      async (open) => {
        const source = await recordRetentionSource(open);
        return id ? retentionOf(open, id, source) : retentionPreview(open, source);
      },
    );
    if (values.json) return writeLine(io.stdout, JSON.stringify(result, null, 2));
    if ('items' in result) return printPlan(io, result, false);
    const rule = result.rule
      ? Object.entries(result.rule)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : 'none (kept)';
    writeLine(io.stdout, `rule (${result.from}): ${rule}`);
    writeLine(io.stdout, `legal hold: ${result.hold ? `on since ${result.holdSince}` : 'off'}`);
    for (const [part, at] of Object.entries(result.removed))
      writeLine(io.stdout, `${part} deleted ${at}`);
  },
};

export const retentionApply: Command = {
  path: ['retention', 'apply'],
  summary: 'delete what retention rules say is due (crypto-shredding), or --dry-run',
  usage: `
Usage: greffier retention apply [--dry-run] [--json]

Deletes exactly what "retention show" lists: whole meetings are
crypto-shredded as by "greffier delete", expired parts (audio, transcript,
minutes) are removed with their backups. Meetings under legal hold are
left untouched. Each deletion is written to the audit trail.

Options:
  --dry-run  only say what would be deleted
  --json     JSON output
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length) throw new UsageError('retention apply takes no arguments');
    const plan = await withOpenVault(io, values['passphrase-file'], async (open) => {
      const source = await recordRetentionSource(open);
      return values['dry-run'] ? retentionPreview(open, source) : applyRetention(open, source);
    });
    if (values.json) return writeLine(io.stdout, JSON.stringify(plan, null, 2));
    printPlan(io, plan, !values['dry-run']);
  },
};

export const retentionSet: Command = {
  path: ['retention', 'set'],
  summary: "set a meeting's own retention rule (days per part)",
  usage: `
Usage: greffier retention set <meeting id> [--audio <days>] [--transcript <days>] [--minutes <days>] | --clear

Days are counted from the minutes' approval, or from the meeting's date
while there is none. A part left out is kept. --clear goes back to the
template's rule.

Options:
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      audio: { type: 'string' },
      transcript: { type: 'string' },
      minutes: { type: 'string' },
      clear: { type: 'boolean' },
    });
    const id = oneId(positionals, 'retention set');
    const rule = ruleFrom(values);
    await withOpenVault(io, values['passphrase-file'], (open) => setMeetingRule(open, id, rule));
    writeLine(io.stdout, `retention rule of ${id} saved`);
  },
};

export const retentionHold: Command = {
  path: ['retention', 'hold'],
  summary: 'put a meeting under legal hold (no retention deletion), or --off',
  usage: `
Usage: greffier retention hold <meeting id> [--off] [--note <text>]

Options:
  --off          lift the hold
  --note <text>  why (a case number), kept in the audit trail
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      off: { type: 'boolean' },
      note: { type: 'string' },
    });
    const id = oneId(positionals, 'retention hold');
    await withOpenVault(io, values['passphrase-file'], (open) =>
      setLegalHold(open, id, !values.off, values.note),
    );
    writeLine(io.stdout, values.off ? `legal hold of ${id} lifted` : `${id} is under legal hold`);
  },
};

export const retentionCommands = [retentionShow, retentionApply, retentionSet, retentionHold];
