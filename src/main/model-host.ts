import { app, utilityProcess } from 'electron';
import type { HostLauncher } from '../core/llm/host.js';
import { hostEntry } from '../core/llm/host.js';
import { projectRoot } from '../core/paths.js';

/**
 * The model host under Electron: a utilityProcess, because the RunAsNode
 * fuse is off in release builds and child_process.fork would need it. The
 * host entry reads process.parentPort there; the protocol is the same.
 */
export const utilityLauncher: HostLauncher = () => {
  const { entry } = hostEntry();
  const child = utilityProcess.fork(entry, [], {
    // Inside an installed app the code lives in app.asar, which cannot be a working folder.
    cwd: app.isPackaged ? process.resourcesPath : projectRoot(),
    stdio: ['ignore', 'ignore', 'inherit'],
    serviceName: 'Greffier model host',
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code) => listener(`exited with code ${code}`)),
    kill: () => void child.kill(),
  };
};
