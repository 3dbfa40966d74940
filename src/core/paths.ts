import { existsSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machinePolicy } from './policy.js';

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

/** The per-user data folder, unless GREFFIER_HOME says otherwise. */
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

/** Every place Greffier keeps something for one user. */
export interface HomePaths {
  /** GREFFIER_HOME, or the per-user data folder. */
  home: string;
  /** The encrypted vault (vault.json, catalogue, meetings, blobs): home/vault unless the machine policy says. */
  vault: string;
  /** Model files copied in by "models add" / "Import models" (0700, app-owned). */
  models: string;
  /** Private 0700 scratch folder (GREFFIER_TEMP overrides it). */
  temp: string;
  /** Diagnostic logs (never meeting content). */
  logs: string;
}

/**
 * The one function that decides where things live, used by both doors (app,
 * browser host, CLI) so they always open the same vault. The temporary
 * folder stays outside GREFFIER_HOME by default (the OS temporary folder,
 * per user) unless GREFFIER_TEMP says otherwise: it must be on a local disk
 * even when IT puts the home on a share.
 */
export function homePaths(env: NodeJS.ProcessEnv = process.env): HomePaths {
  const home = greffierHome(env);
  return {
    home,
    // IT may put every user's vault elsewhere (machine policy, src/core/policy.ts).
    vault: machinePolicy(env).vaultFolder ?? join(home, 'vault'),
    models: join(home, 'models'),
    temp: env.GREFFIER_TEMP ? resolve(env.GREFFIER_TEMP) : join(tmpdir(), `greffier-${userTag()}`),
    logs: join(home, 'logs'),
  };
}

function userTag(): string {
  try {
    // The uid where there is one (POSIX), the user name on Windows.
    return typeof process.getuid === 'function' ? String(process.getuid()) : userInfo().username;
  } catch {
    return 'user';
  }
}
