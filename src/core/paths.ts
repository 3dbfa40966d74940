import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project folder in development: two levels above this module whether it
 * runs from src/core (tsx, vitest) or dist/core (compiled CLI).
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/**
 * In a packaged Electron app, main sets GREFFIER_RESOURCES to
 * process.resourcesPath so core finds engines and catalogues without
 * importing Electron.
 */
export function resourcesRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.GREFFIER_RESOURCES ?? join(projectRoot(), 'resources');
}

/** The per-user data folder that holds the vault, unless GREFFIER_HOME says otherwise. */
export function greffierHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GREFFIER_HOME) return resolve(env.GREFFIER_HOME);
  if (process.platform === 'win32') {
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Greffier');
  }
  if (process.platform === 'darwin') {
    return join(homedir(), 'Library', 'Application Support', 'Greffier');
  }
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'greffier');
}
