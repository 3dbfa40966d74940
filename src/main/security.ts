import type { Session, WebContents } from 'electron';
import type { BlockedRequestLog } from '../core/app/blocked-log.js';

/** The only origin the UI loads from (custom protocol, registered as standard + secure). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'greffier';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Variables that point a development or test run elsewhere: a packaged build obeys none of them. */
const TEST_VARIABLES = ['GREFFIER_TEST_BUILD', 'GREFFIER_WHISPER_CLI', 'GREFFIER_POLICY'] as const;

/**
 * A packaged build's environment: the test switches are dropped (DevTools
 * stay off, whisper-cli is the bundled one) and the resources — engines and
 * the trusted model catalogue — are the installer's own, whatever was set.
 */
export function packagedEnvironment(env: NodeJS.ProcessEnv, resourcesPath: string): void {
  for (const name of TEST_VARIABLES) delete env[name];
  env.GREFFIER_RESOURCES = resourcesPath;
}

/** Switches that would open a debugger or DevTools protocol onto the running app. */
const DEBUG_SWITCH =
  /^--(remote-debugging-(port|pipe|address)|inspect(-brk)?(-node)?|inspect-port|debug(-brk)?)(=|$)/;

/**
 * Why a packaged build must not start with these arguments (undefined when
 * it may): a remote-debugging port or an inspector lets any local process
 * read the unlocked vault out of the window or the main process.
 */
export function packagedSwitchProblem(argv: string[], env: NodeJS.ProcessEnv): string | undefined {
  for (const arg of argv.slice(1)) {
    if (DEBUG_SWITCH.test(arg) || (arg.startsWith('--js-flags') && arg.includes('inspect'))) {
      return `the switch ${arg.split('=')[0]} is refused in a release build`;
    }
  }
  if (/--inspect|--debug/.test(env.NODE_OPTIONS ?? '')) {
    return 'NODE_OPTIONS with an inspector is refused in a release build';
  }
  if (env.ELECTRON_RUN_AS_NODE !== undefined) {
    return 'ELECTRON_RUN_AS_NODE is refused in a release build';
  }
  return undefined;
}

/**
 * Session-wide rules: every network request is cancelled and logged, the
 * microphone is the only permission and only for our origin.
 */
export function hardenSession(session: Session, blocked: BlockedRequestLog): void {
  session.webRequest.onBeforeRequest(
    { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*'] },
    (details, callback) => {
      blocked.record({ url: details.url, by: 'electron', detail: details.resourceType });
      callback({ cancel: true });
    },
  );
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    const audioOnly =
      permission === 'media' &&
      (details as { mediaTypes?: string[] }).mediaTypes?.every((type) => type === 'audio') === true;
    callback(audioOnly && isAppUrl(details.requestingUrl ?? contents.getURL()));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) => {
    const mediaType = (details as { mediaType?: string }).mediaType;
    return (
      permission === 'media' &&
      (mediaType === undefined || mediaType === 'audio') &&
      isAppUrl(requestingOrigin)
    );
  });
  // Device enumeration without labels leaks nothing; no other device APIs are wanted.
  session.setDevicePermissionHandler(() => false);
}

/** Per-window rules: no navigation away, no new windows, no <webview>. */
export function hardenContents(contents: WebContents, blocked: BlockedRequestLog): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
      blocked.record({ url, by: 'electron', detail: 'navigation' });
    }
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    blocked.record({ url, by: 'electron', detail: 'new window' });
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
