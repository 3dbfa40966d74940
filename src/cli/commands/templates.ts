import { readFile } from 'node:fs/promises';
import { UsageError } from '../../core/errors.js';
import { Templates } from '../../core/record/index.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';
import { PASS, passOption, withVault } from '../vault-session.js';

const usage = `
Usage: greffier templates <list|show|copy|save|remove> [options]

Minutes templates: the built-in ones (read-only) and the vault's own.
  list                      ids, names, built-in or own
  show <id>                 the template as JSON (copy it to edit)
  copy <id> <new-id>        a copy in the vault, ready to edit
  save <file.json>          add or replace one of the vault's templates
  remove <id>               remove one of the vault's templates

A template: id, name {fr,en}, instructions {fr,en}, limits {decisions,
actionItems, openQuestions, topics, interventions} (0: no item in that section) and
retention {audioDays, transcriptDays, minutesDays} counted from approval.

Options:
  ${PASS}
`;

function templatesCommand(word: string, summary: string): Command {
  return {
    path: ['templates', word],
    summary,
    usage,
    async run(argv, io) {
      const { values, positionals } = parseCommandArgs(argv, passOption);
      const wanted = { list: 0, show: 1, copy: 2, save: 1, remove: 1 }[word] ?? 0;
      if (positionals.length !== wanted) {
        throw new UsageError(`templates ${word} takes ${wanted} argument(s)`);
      }
      const fromFile =
        word === 'save'
          ? (JSON.parse(await readFile(positionals[0]!, 'utf8')) as unknown)
          : undefined;
      await withVault(io, values['passphrase-file'], async (vault) => {
        const templates = new Templates(vault);
        if (word === 'list') {
          for (const { template, builtIn } of await templates.list()) {
            writeLine(
              io.stdout,
              `${template.id.padEnd(24)} ${builtIn ? 'built-in' : 'own     '}  ${template.name.fr} / ${template.name.en}`,
            );
          }
        } else if (word === 'show') {
          writeLine(io.stdout, JSON.stringify(await templates.get(positionals[0]!), null, 2));
        } else if (word === 'copy') {
          const copy = await templates.copy(positionals[0]!, positionals[1]!);
          writeLine(io.stdout, `template "${copy.id}" saved in the vault`);
        } else if (word === 'save') {
          const saved = await templates.save(fromFile);
          writeLine(io.stdout, `template "${saved.id}" saved in the vault`);
        } else {
          await templates.remove(positionals[0]!);
          writeLine(io.stdout, `template "${positionals[0]}" removed`);
        }
      });
    },
  };
}

export const templatesCommands: Command[] = [
  templatesCommand('list', 'list the minutes templates (built-in and the vault’s own)'),
  templatesCommand('show', 'print a minutes template as JSON'),
  templatesCommand('copy', 'copy a minutes template into the vault to edit it'),
  templatesCommand('save', 'save an edited minutes template (JSON file) in the vault'),
  templatesCommand('remove', 'remove one of the vault’s own templates'),
];
