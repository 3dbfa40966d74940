import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';

/** What a command may write to; tests and the main entry pass their own streams. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** Fires when the user presses Ctrl-C, so long jobs can cancel cleanly. */
  signal: AbortSignal;
}

export interface Command {
  /** Words that select the command, e.g. ['models', 'synth']. */
  path: string[];
  summary: string;
  usage: string;
  run(argv: string[], io: CommandIo): Promise<void>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Strict argument parsing shared by every command: unknown flags and
 * missing values become a UsageError (exit 2) instead of being ignored.
 */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
}

/** Reads a whole-number flag, refusing anything else with a usage error. */
export function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`${flag} takes a whole number of 1 or more, not "${value}"`);
  }
  return Number(value);
}

export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}
