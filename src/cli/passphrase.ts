import { readFile } from 'node:fs/promises';
import type { ReadStream } from 'node:tty';
import { GreffierError, UsageError } from '../core/errors.js';
import { locateVault, vaultMovedNotice } from '../core/vault/location.js';
import { writeLine, type CommandIo } from './command.js';

/** The vault folder (the same one the app opens), saying so once if an old one was moved into place. */
export function vaultDirFor(io: CommandIo): string {
  const location = locateVault(io.env);
  const notice = vaultMovedNotice(location);
  if (notice) writeLine(io.stderr, `greffier: ${notice}`);
  return location.dir;
}

/**
 * Reads a passphrase file: the whole file, minus one trailing newline (as
 * `echo pass > file` writes). Kept as bytes so it can be zeroed after use.
 */
export async function readPassphraseFile(
  path: string,
  flag = '--passphrase-file',
): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GreffierError(
      'passphrase-file',
      code === 'ENOENT'
        ? `the passphrase file ${path} does not exist`
        : `the passphrase file ${path} cannot be read (${code ?? 'error'})`,
      { hint: `give ${flag} a readable file that holds the passphrase`, exitCode: 2 },
    );
  }
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  const passphrase = Buffer.from(bytes.subarray(0, end));
  bytes.fill(0);
  if (passphrase.length === 0) {
    throw new GreffierError('passphrase-file', `the passphrase file ${path} is empty`, {
      hint: `write the passphrase into it, or give ${flag} another file`,
      exitCode: 2,
    });
  }
  return passphrase;
}

/** Prompts on the terminal without echoing what is typed. */
export function promptHidden(io: CommandIo, prompt: string): Promise<Buffer> {
  const input = io.stdin as ReadStream;
  return new Promise((resolve, reject) => {
    const chunks: number[] = [];
    io.stderr.write(prompt);
    input.setRawMode(true);
    input.resume();
    const finish = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      io.stderr.write('\n');
      if (error) {
        chunks.fill(0);
        reject(error);
      } else {
        const result = Buffer.from(chunks);
        chunks.fill(0);
        resolve(result);
      }
    };
    const onData = (data: Buffer) => {
      for (const byte of data) {
        if (byte === 0x03)
          return finish(new GreffierError('interrupted', 'passphrase entry cancelled'));
        if (byte === 0x0d || byte === 0x0a || byte === 0x04) return finish();
        if (byte === 0x7f || byte === 0x08) chunks.pop();
        else chunks.push(byte);
      }
      data.fill(0);
    };
    input.on('data', onData);
  });
}

function isTty(io: CommandIo): boolean {
  return (
    (io.stdin as Partial<ReadStream>).isTTY === true &&
    typeof (io.stdin as ReadStream).setRawMode === 'function'
  );
}

/**
 * The passphrase from --passphrase-file, or typed at a terminal; never from
 * argv (it would show in `ps` and the shell history).
 */
export async function getPassphrase(
  io: CommandIo,
  file: string | undefined,
  options: { prompt?: string; confirm?: boolean; flag?: string } = {},
): Promise<Buffer> {
  const flag = options.flag ?? '--passphrase-file';
  if (file !== undefined) return readPassphraseFile(file, flag);
  if (!isTty(io)) {
    throw new UsageError(
      'no passphrase given and no terminal to type it in',
      `give ${flag} F (a file holding the passphrase); passphrases are never taken from the command line`,
    );
  }
  const first = await promptHidden(io, options.prompt ?? 'Vault passphrase: ');
  if (options.confirm) {
    const second = await promptHidden(io, 'Type it again: ');
    const same = first.equals(second);
    second.fill(0);
    if (!same) {
      first.fill(0);
      throw new GreffierError('passphrase-mismatch', 'the two passphrases typed differ', {
        hint: 'run the command again and type the same passphrase twice',
      });
    }
  }
  return first;
}
