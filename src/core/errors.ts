/**
 * Every failure a user can meet says what was wrong and what to do about it.
 * `exitCode` follows the CLI convention: 2 for bad usage, 1 for a failure.
 */
export class GreffierError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;
  /** Values the UI's catalogue message names ({file}, {field}…): the window says them in its language. */
  readonly vars: Record<string, string | number> | undefined;

  constructor(
    code: string,
    message: string,
    options: {
      hint?: string;
      exitCode?: number;
      cause?: unknown;
      vars?: Record<string, string | number>;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GreffierError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
    this.vars = options.vars;
  }

  /** One line for stderr: the problem, then what to do. */
  oneLine(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

/** Bad command-line usage: the user typed something the CLI cannot accept (exit 2). */
export class UsageError extends GreffierError {
  constructor(message: string, hint?: string) {
    super('usage', message, { hint: hint ?? 'run with --help to see the usage', exitCode: 2 });
    this.name = 'UsageError';
  }
}

export function isGreffierError(error: unknown): error is GreffierError {
  return error instanceof GreffierError;
}
