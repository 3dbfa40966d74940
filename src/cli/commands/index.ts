import type { Command } from '../command.js';

/**
 * Every CLI command, one module each. Add yours here; the dispatcher in
 * ../main.ts selects by the longest matching word path.
 */
export const commands: Command[] = [];
