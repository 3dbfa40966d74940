import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  protocol,
  session,
  type IpcMainInvokeEvent,
} from 'electron';
import { join } from 'node:path';
import { AppService } from '../core/app/app-service.js';
import { chromiumLanguage } from '../core/app/locale.js';
import { projectRoot } from '../core/paths.js';
import { machinePolicyProblem } from '../core/policy.js';
import { CallRequestSchema, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../shared/api.js';
import { utilityLauncher } from './model-host.js';
import { serveAppFile } from './protocol.js';
import {
  APP_ORIGIN,
  APP_SCHEME,
  hardenContents,
  hardenSession,
  isAppUrl,
  packagedEnvironment,
  packagedSwitchProblem,
} from './security.js';

/**
 * The Electron door into core: one hardened window showing app://greffier,
 * IPC calls checked (sender, origin, schema) and handed to the same
 * AppService the devhost uses.
 */
const root = projectRoot();
if (app.isPackaged) {
  // A release build obeys no debugging switch and no test variable (issue 9, finding 10).
  const problem = packagedSwitchProblem(process.argv, process.env);
  if (problem) {
    process.stderr.write(`greffier: ${problem}; start Greffier without it\n`);
    app.exit(1);
    process.exit(1);
  }
  // Core finds engines and catalogues without importing Electron: the installer's own.
  packagedEnvironment(process.env, process.resourcesPath);
}

// Chromium's own controls in the UI's starting language (a switch read before ready only).
app.commandLine.appendSwitch('lang', chromiumLanguage(process.env));

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  // Two windows on one vault would fight over its lock: the first instance comes forward instead.
  app.quit();
} else {
  let window: BrowserWindow | undefined;
  let service: AppService | undefined;

  app.on('second-instance', () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });

  app.on('web-contents-created', (_event, contents) => {
    if (service) hardenContents(contents, service.dispatcher.blocked);
  });

  app.on('window-all-closed', () => {
    void (service?.close() ?? Promise.resolve()).finally(() => app.quit());
  });

  void app.whenReady().then(() => {
    process.env.GREFFIER_LOCALE ??= app.getLocale();
    // A bad machine policy stops the app with its field named, before any window opens.
    const policyProblem = machinePolicyProblem(process.env);
    if (policyProblem) {
      dialog.showErrorBox('Greffier', policyProblem);
      app.exit(1);
      return;
    }
    service = new AppService({
      version: app.getVersion(),
      hostLauncher: utilityLauncher,
      fallbackModels: {
        ...(process.env.GREFFIER_ASR_MODEL ? { asr: process.env.GREFFIER_ASR_MODEL } : {}),
        ...(process.env.GREFFIER_LLM_MODEL ? { llm: process.env.GREFFIER_LLM_MODEL } : {}),
      },
    });
    const rendererDir = join(root, 'dist', 'renderer');
    const appSession = session.defaultSession;
    hardenSession(appSession, service.dispatcher.blocked);
    appSession.protocol.handle(APP_SCHEME, (request) => serveAppFile(rendererDir, request.url));

    ipcMain.handle(IPC_CALL_CHANNEL, async (event: IpcMainInvokeEvent, raw: unknown) => {
      // Only our own window, showing our own page, may call in.
      if (
        !window ||
        event.sender !== window.webContents ||
        !isAppUrl(event.senderFrame?.url ?? '')
      ) {
        return {
          ok: false,
          error: {
            code: 'forbidden-sender',
            message: 'Calls are accepted from the Greffier window only.',
          },
        };
      }
      const request = CallRequestSchema.safeParse(raw);
      if (!request.success) {
        return { ok: false, error: { code: 'invalid-request', message: 'Malformed call.' } };
      }
      return service!.dispatcher.call(request.data.name, request.data.input);
    });
    service.dispatcher.onEvent((event, payload) => {
      if (window && !window.isDestroyed())
        window.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
    });

    // Packaged builds are release builds: no devtools (the inspect fuse is off there too).
    const release = app.isPackaged;
    window = new BrowserWindow({
      width: 1280,
      height: 860,
      show: false,
      title: 'Greffier',
      webPreferences: {
        preload: join(root, 'dist-electron', 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
        devTools: !release,
        safeDialogs: true,
      },
    });
    window.once('ready-to-show', () => window?.show());
    // The page refuses to unload while edits are unsaved; Electron then just keeps the window
    // open, so the page asks the clerk in its own words and closes it if told to.
    window.webContents.on('will-prevent-unload', () => {
      window?.webContents.send(IPC_EVENT_CHANNEL, { event: 'window.closeAsked', payload: {} });
    });
    window.on('closed', () => {
      window = undefined;
    });
    void window.loadURL(`${APP_ORIGIN}/index.html`);
  });
}
