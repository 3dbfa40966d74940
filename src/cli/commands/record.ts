import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GreffierError, UsageError } from '../../core/errors.js';
import { editMinutes } from '../../core/record/edit.js';
import { restoreMinutes } from '../../core/record/drafts.js';
import { requireFeature } from '../../core/policy.js';
import { PART_HEADINGS } from '../../core/app/export-common.js';
import { exportMeeting } from '../../core/app/signed-export.js';
import {
  MinutesRecord,
  approvalSignatureValid,
  createKey,
  exportFormatOf,
  findKey,
  listKeys,
  parseSignatureFile,
  shortFingerprint,
  signaturePath,
  verifyExport,
} from '../../core/record/index.js';
import type { MinutesHistory } from '../../shared/record.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';
import { oneId, PASS, passOption, withOpenVault, withVault } from '../vault-session.js';

function positiveNumber(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!value || !Number.isInteger(n) || n < 1) {
    throw new UsageError(
      `${flag} takes a whole number from 1 on`,
      `e.g. ${flag} 1 (see: greffier minutes history <id>)`,
    );
  }
  return n;
}

/** The official record from a terminal: approval, history, signed exports, keys, verify. */

function needText(value: string | undefined, flag: string, example: string): string {
  if (!value?.trim()) throw new UsageError(`${flag} is required`, `e.g. ${flag} "${example}"`);
  return value;
}

function printHistory(out: NodeJS.WritableStream, history: MinutesHistory): void {
  writeLine(out, `minutes of ${history.meetingId}: ${history.status}`);
  for (const v of history.versions) {
    writeLine(out, '');
    writeLine(
      out,
      `version ${v.version} — ${v.status}${v.reason ? ` — correction: ${v.reason}` : ''}`,
    );
    v.events.forEach((e, i) => {
      const who = e.by ? ` by ${e.by}` : '';
      // The entry number is what "minutes restore --entry" takes.
      const text = e.minutes
        ? ` (entry ${i + 1}: minutes restore --version ${v.version} --entry ${i + 1})`
        : '';
      writeLine(out, `  ${e.at}  ${e.action}${who}${e.comment ? ` — ${e.comment}` : ''}${text}`);
    });
    if (v.approval) {
      writeLine(
        out,
        `  approved by ${v.approval.approver}, key ${shortFingerprint(v.approval.fingerprint)}`,
      );
      writeLine(out, `  minutes sha256    ${v.approval.minutesSha256}`);
      writeLine(out, `  transcript sha256 ${v.approval.transcriptSha256}`);
      if (v.approval.chainHead) writeLine(out, `  audit chain head  ${v.approval.chainHead}`);
      const valid = approvalSignatureValid(history.meetingId, v.version, v.approval);
      writeLine(
        out,
        `  signature         ${valid ? 'valid' : 'INVALID (the approval record was altered)'}`,
      );
    }
    for (const d of v.diff.filter((line) => line.op !== 'same')) {
      writeLine(out, `  ${d.op === 'added' ? '+' : '-'} ${d.text}`);
    }
  }
}

const minutesUsage = `
Usage: greffier minutes <submit|approve|return|correct|edit|restore|history|export> <meeting-id> [options]

The minutes' way to becoming the official record: a draft is submitted, then
approved (signed with the approver's Ed25519 key, created in the vault on
their first approval) or returned with a comment. Submitted and approved
minutes, and the transcript they cite, are read-only; a correction opens a new
version with its reason, which is submitted and approved again.

  submit  <id> [--by NAME]                      hand the draft to the approver
  approve <id> --approver NAME [--key FPR]      approve and sign (NAME as typed)
  return  <id> --comment TEXT [--by NAME]       send back to the clerk
  correct <id> --reason TEXT [--from F.json]    new version of approved minutes
  edit <id> --from F.json [--by NAME]           save draft or returned minutes edited by hand
  restore <id> --version N [--entry K]          put an earlier text back (entry K of version N,
                                                or without --entry its submitted text)
  history <id> [--json]                         versions, who, when, diffs
  export  <id> --format pdf|docx|md [--out F]   write the file, and F.sig.json when approved

Options:
  ${PASS}
`;

function minutesCommand(word: string, summary: string): Command {
  return {
    path: ['minutes', word],
    summary,
    usage: minutesUsage,
    async run(argv, io) {
      const { values, positionals } = parseCommandArgs(argv, {
        ...passOption,
        by: { type: 'string' },
        approver: { type: 'string' },
        key: { type: 'string' },
        comment: { type: 'string' },
        reason: { type: 'string' },
        from: { type: 'string' },
        json: { type: 'boolean' },
        format: { type: 'string' },
        out: { type: 'string' },
        version: { type: 'string' },
        entry: { type: 'string' },
      });
      const id = oneId(positionals, `minutes ${word}`);
      // The machine policy binds both doors: the app's export call checks the same.
      if (word === 'export') requireFeature('exports', io.env);
      if (word === 'edit' && !values.from) {
        throw new UsageError(
          'minutes edit needs --from F.json',
          'start from: greffier show <id> --json (its "summary")',
        );
      }
      const corrected =
        (word === 'correct' || word === 'edit') && values.from
          ? (JSON.parse(await readFile(values.from, 'utf8')) as unknown)
          : undefined;
      await withOpenVault(io, values['passphrase-file'], async (open) => {
        const record = new MinutesRecord(open);
        if (word === 'submit') {
          const v = await record.submit(id, values.by);
          writeLine(io.stdout, `minutes of ${id} (version ${v.version}) submitted for approval`);
        } else if (word === 'approve') {
          const approver = needText(values.approver, '--approver', 'Marie Dupont');
          const v = await record.approve(id, {
            approver,
            ...(values.key ? { keyFingerprint: values.key } : {}),
          });
          writeLine(
            io.stdout,
            `minutes of ${id} (version ${v.version}) approved by ${approver}, signed with key ${shortFingerprint(v.approval!.fingerprint)}`,
          );
        } else if (word === 'return') {
          const comment = needText(values.comment, '--comment', 'Préciser le résultat du vote');
          await record.returnMinutes(id, values.by ?? '', comment);
          writeLine(io.stdout, `minutes of ${id} returned to the clerk`);
        } else if (word === 'correct') {
          const reason = needText(values.reason, '--reason', 'Erreur sur le résultat du vote');
          const v = await record.correct(id, {
            reason,
            ...(values.by ? { by: values.by } : {}),
            ...(corrected === undefined ? {} : { minutes: corrected }),
          });
          writeLine(
            io.stdout,
            `minutes of ${id}: version ${v.version} opened as a draft (${reason})`,
          );
        } else if (word === 'edit') {
          const minutes = await editMinutes(open, id, corrected, {
            ...(values.by ? { by: values.by } : {}),
          });
          writeLine(
            io.stdout,
            `minutes of ${id} saved (${minutes.decisions.length} decisions, ${minutes.actionItems.length} action items)`,
          );
        } else if (word === 'restore') {
          const from = {
            version: positiveNumber(values.version, '--version'),
            ...(values.entry ? { event: positiveNumber(values.entry, '--entry') - 1 } : {}),
          };
          await restoreMinutes(open, id, from, { ...(values.by ? { by: values.by } : {}) });
          writeLine(
            io.stdout,
            `minutes of ${id}: earlier text restored (the replaced one stays in the history)`,
          );
        } else if (word === 'history') {
          const history = await record.history(id);
          if (values.json) writeLine(io.stdout, JSON.stringify(history, null, 2));
          else printHistory(io.stdout, history);
        } else {
          const format = values.format;
          if (format !== 'pdf' && format !== 'docx' && format !== 'md') {
            throw new UsageError('--format takes pdf, docx or md', 'e.g. --format pdf');
          }
          const { fileName, bytes, signature } = await exportMeeting(open, id, format, record);
          const out = values.out ?? join(process.cwd(), fileName);
          await writeFile(out, bytes);
          writeLine(io.stdout, out);
          if (signature) {
            await writeFile(signaturePath(out), `${JSON.stringify(signature, null, 2)}\n`);
            writeLine(io.stdout, signaturePath(out));
          } else {
            writeLine(
              io.stderr,
              'greffier: the minutes are not approved: the export is not signed',
            );
          }
        }
      });
    },
  };
}

export const minutesCommands: Command[] = [
  minutesCommand('submit', 'submit the minutes of a meeting for approval'),
  minutesCommand('approve', 'approve submitted minutes and sign them (Ed25519)'),
  minutesCommand('return', 'return submitted minutes to the clerk with a comment'),
  minutesCommand('correct', 'correct approved minutes as a new version with a reason'),
  minutesCommand('edit', 'save draft or returned minutes edited by hand (JSON file)'),
  minutesCommand(
    'restore',
    'put an earlier text of draft or returned minutes back (from the history)',
  ),
  minutesCommand('history', 'show the versions of the minutes: who, when, what changed'),
  minutesCommand('export', 'export minutes as PDF, DOCX or Markdown, signed when approved'),
];

export const verifyCommand: Command = {
  path: ['verify'],
  summary: 'check a signed export (PDF, DOCX, Markdown) against its .sig.json, offline',
  usage: `
Usage: greffier verify <export-file> [--sig F.sig.json] [--pubkey F.pem] [--json]

Checks, without the vault: the key, the signature of the .sig.json, then the
file's bytes; anything that does not match is named (minutes hash, transcript
hash, signature, key). Without --pubkey the key inside the .sig.json is used:
give the approver's public key (greffier keys export) to know who signed.
Exit code 0 when everything matches, 1 otherwise.
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      sig: { type: 'string' },
      pubkey: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) {
      throw new UsageError(
        'verify takes the path of one exported file',
        'e.g. greffier verify CR.pdf',
      );
    }
    const file = positionals[0]!;
    const sigFile = values.sig ?? signaturePath(file);
    for (const path of [file, sigFile, ...(values.pubkey ? [values.pubkey] : [])]) {
      if (!existsSync(path)) {
        throw new GreffierError('file-missing', `${path} does not exist`, {
          hint: 'the .sig.json is written beside the export; give it with --sig otherwise',
        });
      }
    }
    if (!exportFormatOf(file)) {
      throw new UsageError('verify checks .pdf, .docx and .md exports', `not ${basename(file)}`);
    }
    const sig = parseSignatureFile(await readFile(sigFile, 'utf8'), sigFile);
    const report = await verifyExport(await readFile(file), sig, {
      headings: PART_HEADINGS,
      ...(values.pubkey ? { trustedKeyPem: await readFile(values.pubkey, 'utf8') } : {}),
    });
    if (values.json) writeLine(io.stdout, JSON.stringify(report, null, 2));
    else {
      const s = report.signer!;
      writeLine(
        io.stdout,
        `${basename(file)}: minutes of ${sig.record.meetingId}, version ${s.version}, approved by ${s.approver} on ${s.approvedAt}, key ${shortFingerprint(s.fingerprint)}`,
      );
      for (const p of report.problems) writeLine(io.stdout, `MISMATCH ${p.message}`);
      if (report.ok) {
        writeLine(
          io.stdout,
          report.keyTrusted
            ? 'OK: signature, key, minutes and transcript all match'
            : 'OK: the file matches its signature — give --pubkey to check who signed',
        );
      }
    }
    if (!report.ok) {
      throw new GreffierError('verify-failed', `${basename(file)} does not match its signature`, {
        hint: report.problems.map((p) => p.part).join(', '),
        exitCode: 1,
      });
    }
  },
};

const keysUsage = `
Usage: greffier keys <create|list|export> [options]

Approvers' Ed25519 key pairs, kept in the vault (the private half sealed).
  create --name NAME                   a new key pair for an approver
  list                                 names, fingerprints, dates
  export <fingerprint> [--out F.pem]   the public key (PEM), for greffier verify --pubkey

Options:
  ${PASS}
`;

function keysCommand(word: string, summary: string): Command {
  return {
    path: ['keys', word],
    summary,
    usage: keysUsage,
    async run(argv, io) {
      const { values, positionals } = parseCommandArgs(argv, {
        ...passOption,
        name: { type: 'string' },
        out: { type: 'string' },
      });
      await withVault(io, values['passphrase-file'], async (vault) => {
        if (word === 'create') {
          const key = await createKey(vault, needText(values.name, '--name', 'Marie Dupont'));
          writeLine(io.stdout, `${key.fingerprint}  ${key.name}`);
        } else if (word === 'list') {
          for (const key of await listKeys(vault)) {
            writeLine(io.stdout, `${key.fingerprint}  ${key.createdAt.slice(0, 10)}  ${key.name}`);
          }
        } else {
          if (positionals.length !== 1) {
            throw new UsageError('keys export takes a key fingerprint', 'see "greffier keys list"');
          }
          const key = await findKey(vault, positionals[0]!);
          if (values.out) {
            await writeFile(values.out, key.publicKeyPem);
            writeLine(io.stdout, values.out);
          } else io.stdout.write(key.publicKeyPem);
        }
      });
    },
  };
}

export const keysCommands: Command[] = [
  keysCommand('create', 'create an approver Ed25519 key pair in the vault'),
  keysCommand('list', "list the approvers' keys (fingerprints)"),
  keysCommand('export', "write an approver's public key (PEM)"),
];
