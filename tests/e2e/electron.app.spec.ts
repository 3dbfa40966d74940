import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { projectRoot } from '../../src/core/paths.js';
import { setup } from './harness.js';
import { MeetingPage, RecordPage, SettingsPage, Shell, UnlockPage, screenshot } from './pages.js';

/**
 * The same scenarios through the real Electron shell. The Electron binary
 * cannot be downloaded on this machine (ELECTRON_SKIP_BINARY_DOWNLOAD=1): the
 * tests then skip and say so.
 */
function electronBinary(): { path?: string; reason?: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { reason: `the electron package points to ${String(path)}, which does not exist` };
  } catch (error) {
    return {
      reason: `the Electron binary is not installed (${(error as Error).message.split('\n')[0]}); it is skipped with ELECTRON_SKIP_BINARY_DOWNLOAD=1`,
    };
  }
}

const binary = electronBinary();
if (!binary.path) {
  console.warn(`Electron e2e scenarios skipped: ${binary.reason}`);
}

test.describe('the Electron shell', () => {
  test.skip(!binary.path, `Electron scenarios skipped: ${binary.reason}`);
  let app: ElectronApplication;

  test.afterEach(async () => {
    await app?.close();
  });

  async function launch(): Promise<ElectronApplication> {
    const s = setup();
    return electron.launch({
      executablePath: binary.path!,
      args: [
        join(projectRoot(), 'dist', 'main', 'main.js'),
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${s.meetingWav}`,
      ],
      env: {
        ...process.env,
        GREFFIER_HOME: mkdtempSync(join(tmpdir(), 'greffier-electron-')),
        GREFFIER_WHISPER_CLI: s.whisperCli,
        GREFFIER_LOCALE: 'en',
      },
    });
  }

  test('hardened window: live webPreferences, no Node, no network, no navigation', async () => {
    app = await launch();
    const page = await app.firstWindow();
    await page.locator('html[data-ready="true"]').waitFor();
    expect(page.url()).toBe('app://greffier/index.html');

    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const window = BrowserWindow.getAllWindows()[0]!;
      // Electron's own (undocumented, untyped) accessor for the preferences the renderer really got.
      const contents = window.webContents as unknown as {
        getLastWebPreferences(): Record<string, unknown> | null;
      };
      const p = contents.getLastWebPreferences() ?? {};
      return {
        contextIsolation: p.contextIsolation,
        sandbox: p.sandbox,
        nodeIntegration: p.nodeIntegration,
        nodeIntegrationInWorker: p.nodeIntegrationInWorker,
        webSecurity: p.webSecurity,
        webviewTag: p.webviewTag,
        allowRunningInsecureContent: p.allowRunningInsecureContent,
        windows: BrowserWindow.getAllWindows().length,
      };
    });
    expect(prefs).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
      windows: 1,
    });

    // The page sees one bridge object with two functions, and no Node.
    expect(
      await page.evaluate(
        '({ require: typeof require, process: typeof process, bridge: Object.keys(window.greffier).sort().join(",") })',
      ),
    ).toEqual({ require: 'undefined', process: 'undefined', bridge: 'call,on' });

    // Outside requests are cancelled (CSP and Electron's filter) and logged.
    expect(
      await page.evaluate(
        "fetch('https://exfil.example.net/x').then(() => 'reached', () => 'blocked')",
      ),
    ).toBe('blocked');
    // Navigation away and new windows are refused.
    await page.evaluate("location.href = 'https://example.com/'");
    await page.evaluate("window.open('https://example.com/popup')");
    expect(page.url()).toBe('app://greffier/index.html');
    expect(app.windows()).toHaveLength(1);
    // The custom protocol never serves a file outside the UI folder.
    expect(
      await page.evaluate("fetch('app://greffier/..%2f..%2fpackage.json').then((r) => r.status)"),
    ).toBeGreaterThanOrEqual(403);

    await new UnlockPage(page).createVault('conseil municipal du mardi');
    await new Shell(page).go('settings');
    await expect(new SettingsPage(page).blockedLog()).toContainText('exfil.example.net');
    await screenshot(page, 'electron-settings');
  });

  test('records with the microphone (the only permission granted) and transcribes', async () => {
    const s = setup();
    app = await launch();
    const page = await app.firstWindow();
    await page.locator('html[data-ready="true"]').waitFor();
    await new UnlockPage(page).createVault('conseil municipal du mardi');
    const shell = new Shell(page);
    await shell.go('settings');
    await new SettingsPage(page).importModels(dirname(s.models.whisper));
    await shell.go('record');
    const record = new RecordPage(page);
    await record.start('Conseil municipal');
    await expect(record.liveLines().first()).toBeVisible();
    await record.stop();
    await expect(new MeetingPage(page).segments().first()).toBeVisible({ timeout: 120_000 });
    // Permissions other than the microphone are refused.
    expect(
      await page.evaluate(
        "navigator.mediaDevices.getUserMedia({ video: true }).then(() => 'granted', () => 'refused')",
      ),
    ).toBe('refused');
  });
});
