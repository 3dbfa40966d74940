import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync } from 'node:fs';
import net from 'node:net';
import { GreffierError } from '../errors.js';
import { privateTempPath, removeQuietly } from '../tempfiles.js';

/**
 * Where whisper-cli writes its JSON result without it ever resting on disk.
 *
 * whisper-cli always names its output `<-of value>.json` and opens it as a
 * file; its own "-of -" (standard output) also turns the progress report
 * off and, on Windows, writes to the console device rather than to a pipe.
 * So the name it opens is a pipe we read from:
 * - POSIX: a FIFO made in the private 0700 temporary folder. A FIFO is a
 *   name only: what goes through it stays in the kernel's pipe buffer and is
 *   never written to the disk. It is removed as soon as whisper has exited.
 * - Windows: a named pipe (\\.\pipe\greffier-…), which lives in the kernel's
 *   pipe namespace, not on any disk. Its random name is not guessable and
 *   the result flows only from whisper (the client) to us (the server).
 */
export interface ResultPipe {
  /** The value for whisper-cli's -of. */
  outBase: string;
  /** Call once whisper-cli has exited: the pipe ends and `text` settles. */
  processExited(): void;
  /** Everything whisper wrote (empty when it wrote nothing). */
  text: Promise<string>;
  /** Removes the FIFO or closes the pipe server; safe to call twice. */
  dispose(): void;
}

export async function openResultPipe(): Promise<ResultPipe> {
  return process.platform === 'win32' ? windowsPipe() : posixFifo();
}

function makeFifo(path: string): Promise<void> {
  // Node has no mkfifo(); the coreutils tool is on every POSIX system we ship to.
  return new Promise((resolve, reject) => {
    execFile('mkfifo', ['-m', '600', path], (error) => {
      if (!error) return resolve();
      reject(
        new GreffierError(
          'engine-output',
          `a pipe for whisper's result could not be made (${error.message})`,
          {
            hint: 'check that the "mkfifo" command is installed (coreutils) and GREFFIER_TEMP is writable',
            cause: error,
          },
        ),
      );
    });
  });
}

async function posixFifo(): Promise<ResultPipe> {
  const outBase = privateTempPath();
  const fifo = `${outBase}.json`;
  await makeFifo(fifo);
  let reader: number | undefined;
  let keeper: number | undefined;
  try {
    // Non-blocking opens never wait for whisper. The keeper is our own write
    // end: while it is open the reader sees "no data yet" rather than an end,
    // so the result is read only to its true end, after whisper has exited,
    // even when whisper failed before ever opening the pipe.
    reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    keeper = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (reader !== undefined) closeSync(reader);
    removeQuietly(fifo);
    throw error;
  }
  const socket = new net.Socket({ fd: reader, readable: true, writable: false });
  const parts: Buffer[] = [];
  const text = new Promise<string>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    socket.on('error', reject);
  });
  // Read only after a clean exit; a failed run never awaits it.
  text.catch(() => undefined);
  let keeperOpen = true;
  const closeKeeper = () => {
    if (!keeperOpen) return;
    keeperOpen = false;
    closeSync(keeper);
  };
  return {
    outBase,
    text,
    processExited: closeKeeper,
    dispose() {
      closeKeeper();
      socket.destroy();
      removeQuietly(fifo);
    },
  };
}

async function windowsPipe(): Promise<ResultPipe> {
  const outBase = `\\\\.\\pipe\\greffier-${process.pid}-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  const open = new Set<Promise<void>>();
  const server = net.createServer((socket) => {
    open.add(
      new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => parts.push(chunk));
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(`${outBase}.json`, () => resolve());
  });
  let exited: () => void = () => undefined;
  const whisperGone = new Promise<void>((resolve) => (exited = resolve));
  const text = whisperGone.then(async () => {
    // whisper's handle closes with its process; wait for every connection to drain.
    await Promise.all(open);
    return Buffer.concat(parts).toString('utf8');
  });
  return {
    outBase,
    text,
    processExited: () => exited(),
    dispose() {
      exited();
      server.close();
    },
  };
}
