import { app, utilityProcess } from 'electron';
import { utilityProcessLauncher, type HostLauncher } from '../core/llm/host.js';
import { projectRoot } from '../core/paths.js';

/**
 * The model host under Electron: a utilityProcess, because the RunAsNode
 * fuse is off in release builds and child_process.fork would need it. Core
 * builds the launcher (core never imports electron); main only passes
 * Electron's fork and the options that depend on how the app is installed.
 */
export const utilityLauncher: HostLauncher = utilityProcessLauncher(utilityProcess.fork, {
  // Inside an installed app the code lives in app.asar, which cannot be a working folder.
  cwd: app.isPackaged ? process.resourcesPath : projectRoot(),
  stdio: ['ignore', 'ignore', 'inherit'] as ['ignore', 'ignore', 'inherit'],
});
