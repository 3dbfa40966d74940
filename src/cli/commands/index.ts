import type { Command } from '../command.js';
import { modelsCommands } from './models.js';
import { engineCommands } from './engine.js';
import { transcribeCommand } from './transcribe.js';
import { vaultCommands } from './vault.js';
import { askCommand } from './ask.js';
import { searchCommand } from './search.js';
import { summarizeCommand } from './summarize.js';

/**
 * Every CLI command, one module each. Add yours here; the dispatcher in
 * ../main.ts selects by the longest matching word path.
 */
export const commands: Command[] = [
  ...modelsCommands,
  ...engineCommands,
  transcribeCommand,
  ...vaultCommands,
  summarizeCommand,
  searchCommand,
  askCommand,
];
