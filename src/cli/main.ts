import { isGreffierError } from '../core/errors.js';
import { machinePolicy } from '../core/policy.js';
import { commands, type CommandEntry } from './commands/index.js';
import type { CommandIo } from './command.js';

const VERSION = '0.1.0';

function commandList(list: CommandEntry[]): string[] {
  const width = Math.max(...list.map((c) => c.path.join(' ').length), 10);
  return list.map((c) => `  greffier ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
}

function topLevelHelp(): string {
  const lines = commandList(commands);
  return [
    'greffier — offline meeting clerk',
    '',
    'Usage: greffier <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run "greffier <command> --help" for the options of a command.',
    'Exit codes: 0 success, 1 failure, 2 bad usage.',
  ].join('\n');
}

function findCommand(argv: string[]): { command: CommandEntry; rest: string[] } | undefined {
  let best: { command: CommandEntry; rest: string[] } | undefined;
  for (const command of commands) {
    const n = command.path.length;
    if (argv.length >= n && command.path.every((word, i) => argv[i] === word)) {
      if (!best || n > best.command.path.length) best = { command, rest: argv.slice(n) };
    }
  }
  return best;
}

/** Runs one CLI invocation and returns its exit code (never throws). */
export async function runCli(argv: string[], io: CommandIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(`${topLevelHelp()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = commands.filter((c) => c.path[0] === argv[0]);
    if (group.length > 0 && (argv[1] === '--help' || argv[1] === '-h')) {
      io.stdout.write(`${commandList(group).join('\n')}\n`);
      return 0;
    }
    if (group.length > 0) {
      io.stderr.write(
        `greffier: "${argv.join(' ')}" is not a command. Try: ${group.map((c) => c.path.join(' ')).join(', ')}\n`,
      );
    } else {
      io.stderr.write(
        `greffier: unknown command "${argv[0]}" — run "greffier --help" to see the commands\n`,
      );
    }
    return 2;
  }
  const { rest } = found;
  try {
    // A bad machine policy stops every command (help aside) with the field named.
    if (!rest.includes('--help') && !rest.includes('-h')) machinePolicy(io.env);
    // Loaded here, not at start-up, so each command pays only for its own modules.
    const command = await found.command.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(`${command.usage.trim()}\n`);
      return 0;
    }
    await command.run(rest, io);
    return 0;
  } catch (error) {
    if (isGreffierError(error)) {
      io.stderr.write(`greffier: ${error.oneLine()}\n`);
      if (io.env.GREFFIER_DEBUG && error.cause) io.stderr.write(`${String(error.cause)}\n`);
      return error.exitCode;
    }
    io.stderr.write(
      `greffier: unexpected failure: ${(error as Error)?.message ?? String(error)}\n`,
    );
    if (io.env.GREFFIER_DEBUG) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return 1;
  }
}

export async function main(): Promise<void> {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  const code = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal: controller.signal,
  });
  process.exitCode = code;
}
