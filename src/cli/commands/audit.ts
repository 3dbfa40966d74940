import { GreffierError, UsageError } from '../../core/errors.js';
import { isAuditAction, readAudit, verifyAudit, type AuditEntry } from '../../core/audit/index.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';
import { PASS, passOption, withVault } from '../vault-session.js';

/** A day (2026-11-30) or an ISO time, as the start of `--since`. */
export function sinceTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(/^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(time.getTime())) {
    throw new UsageError(`--since takes a date such as 2026-11-30, not "${value}"`);
  }
  return time.toISOString();
}

function entryLine(entry: AuditEntry): string {
  const details = entry.details
    ? Object.entries(entry.details)
        .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
        .join(' ')
    : '';
  return [
    String(entry.seq).padStart(6),
    entry.at,
    entry.user,
    entry.action.padEnd(24),
    entry.meetingId ?? '-',
    details,
  ]
    .join('  ')
    .trimEnd();
}

export const auditShow: Command = {
  path: ['audit', 'show'],
  summary: 'list the audit trail (who did what with the record, and when)',
  usage: `
Usage: greffier audit show [--since <date>] [--action <name>] [--meeting <id>] [--json]

Options:
  --since <date>   entries from that day (2026-11-30) or time (ISO) on
  --action <name>  only that action (e.g. export.meeting, meeting.deleted)
  --meeting <id>   only that meeting
  --json           JSON output
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      since: { type: 'string' },
      action: { type: 'string' },
      meeting: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length)
      throw new UsageError(`audit show takes no arguments, not "${positionals.join(' ')}"`);
    if (values.action !== undefined && !isAuditAction(values.action)) {
      throw new UsageError(`there is no audit action "${values.action}"`);
    }
    const since = sinceTime(values.since);
    const entries = await withVault(io, values['passphrase-file'], (vault) =>
      readAudit(vault, {
        ...(since ? { since } : {}),
        ...(values.action ? { action: values.action } : {}),
        ...(values.meeting ? { meetingId: values.meeting } : {}),
      }),
    );
    if (values.json) return writeLine(io.stdout, JSON.stringify(entries, null, 2));
    for (const entry of entries) writeLine(io.stdout, entryLine(entry));
    if (entries.length === 0) writeLine(io.stdout, 'no audit entries');
  },
};

export const auditVerify: Command = {
  path: ['audit', 'verify'],
  summary: 'check that no audit entry was changed, removed or reordered',
  usage: `
Usage: greffier audit verify [--json]

Walks the whole hash chain and compares its end with the sealed head.
Exit status 1 and one line per problem ("entry 41 was changed") when the
trail was tampered with.

Options:
  --json  JSON output
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      json: { type: 'boolean' },
    });
    if (positionals.length)
      throw new UsageError(`audit verify takes no arguments, not "${positionals.join(' ')}"`);
    const report = await withVault(io, values['passphrase-file'], (vault) => verifyAudit(vault));
    if (values.json) writeLine(io.stdout, JSON.stringify(report, null, 2));
    else if (report.ok) {
      writeLine(
        io.stdout,
        `audit trail intact: ${report.entries} entries, head ${report.head.slice(0, 16)}`,
      );
    } else {
      for (const problem of report.problems) writeLine(io.stdout, problem.message);
    }
    if (!report.ok) {
      throw new GreffierError(
        'audit-tampered',
        `the audit trail was tampered with: ${report.problems.map((p) => p.message).join('; ')}`,
        {
          hint: 'keep this vault folder as evidence and tell the security officer; do not repair it',
        },
      );
    }
  },
};

export const auditCommands = [auditShow, auditVerify];
