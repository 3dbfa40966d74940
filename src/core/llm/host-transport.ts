import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../paths.js';
import type { HostRequest } from './protocol.js';

/**
 * How the app reaches the model host process (./host-main.ts): a forked
 * child in Node (CLI, tests, benchmarks), Electron's utilityProcess in the app.
 */

/** How the host process is reached: child_process in Node, utilityProcess under Electron. */
export interface HostTransport {
  readonly pid: number | undefined;
  send(message: HostRequest): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (description: string) => void): void;
  kill(): void;
  /** Lets the app exit while the host idles (no effect where not needed). */
  setIdle?(idle: boolean): void;
}

export type HostLauncher = () => HostTransport;

/** The compiled entry when running from dist, else the TypeScript source run through tsx. */
export function hostEntry(): { entry: string; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = join(here, 'host-main.js');
  if (existsSync(compiled)) return { entry: compiled, execArgv: [] };
  return { entry: join(here, 'host-main.ts'), execArgv: ['--import', 'tsx'] };
}

/** Starts the host with child_process.fork (plain Node: CLI, tests, benchmarks). */
export const forkLauncher: HostLauncher = () => {
  const { entry, execArgv } = hostEntry();
  const child: ChildProcess = fork(entry, [], {
    execArgv,
    cwd: projectRoot(),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => {
      child.on('exit', (code, signal) =>
        listener(signal ? `was killed by ${signal}` : `exited with code ${code}`),
      );
      child.on('error', (error) => listener(`could not start: ${error.message}`));
    },
    kill: () => child.kill('SIGKILL'),
    setIdle: (idle) => {
      const channel = child.channel as { ref(): void; unref(): void } | undefined | null;
      if (idle) {
        child.unref();
        channel?.unref();
      } else {
        child.ref();
        channel?.ref();
      }
    },
  };
};

/** The part of Electron's UtilityProcess the host needs (core never imports electron). */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

/**
 * For Electron's main process: pass `utilityProcess.fork`; the host runs the
 * compiled entry (dist/core/llm/host-main.js) and reads process.parentPort.
 */
export function utilityProcessLauncher<Extra extends object = Record<string, never>>(
  forkUtility: (
    modulePath: string,
    args: string[],
    options: Extra & { serviceName: string },
  ) => UtilityProcessLike,
  /** Further fork options from the caller (working folder, stdio), passed through as they are. */
  extra?: Extra,
): HostLauncher {
  return () => {
    const child = forkUtility(hostEntry().entry, [], {
      ...(extra ?? ({} as Extra)),
      serviceName: 'Greffier model host',
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => child.postMessage(message),
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => void child.on('exit', (code) => listener(`exited with code ${code}`)),
      kill: () => void child.kill(),
    };
  };
}
