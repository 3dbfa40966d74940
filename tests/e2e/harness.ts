import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { projectRoot } from '../../src/core/paths.js';
import { UnlockPage } from './pages.js';

export interface Setup {
  whisperCli: string;
  models: { whisper: string; llm: string };
  meetingWav: string;
  questionWav: string;
}

export function setup(): Setup {
  return JSON.parse(
    readFileSync(join(projectRoot(), 'test-results', 'e2e-setup.json'), 'utf8'),
  ) as Setup;
}

export interface Devhost {
  url: string;
  origin: string;
  home: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The built devhost (node dist/devhost/main.js) on a fresh vault folder,
 * exactly as `npm start` runs it without Electron. We wait for the URL line
 * it prints, never for a delay.
 */
export async function startDevhost(
  options: {
    locale?: 'fr' | 'en';
    args?: string[];
    home?: string;
    /** Extra environment, e.g. GREFFIER_POLICY for a machine policy. */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<Devhost> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'greffier-e2e-'));
  const s = setup();
  const child = spawn(
    process.execPath,
    [join(projectRoot(), 'dist', 'devhost', 'main.js'), '--threads', '1', ...(options.args ?? [])],
    {
      env: {
        ...process.env,
        GREFFIER_HOME: home,
        GREFFIER_WHISPER_CLI: s.whisperCli,
        GREFFIER_LOCALE: options.locale ?? 'en',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('GREFFIER_URL=')) resolve(line.slice('GREFFIER_URL='.length));
    });
    child.once('exit', (code) => reject(new Error(`devhost exited (${code}): ${stderr}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    home,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        // Gone already (an exit code, or killed by a signal): 'exit' will not fire again.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Debian's Chromium with a WAV file as the microphone. */
export async function launchChromium(microphoneWav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.GREFFIER_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${microphoneWav}`,
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export async function openApp(
  browser: Browser,
  host: Devhost,
  /**
   * Runs in the page before the app (e.g. the system's speech voices as a
   * scenario needs them); serialised, so it may use only its argument.
   */
  init?: { script: (arg: boolean) => void; arg: boolean },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1280, height: 860 },
  });
  if (init) await context.addInitScript(init.script, init.arg);
  await context.grantPermissions(['microphone'], { origin: host.origin });
  const page = await context.newPage();
  await page.goto(host.url);
  // The app sets this once its first status call has answered: the real "startup finished".
  await page.locator('html[data-ready="true"]').waitFor();
  return { context, page };
}

/** The passphrase of the French scenarios' vaults. */
export const PASSPHRASE = 'séance du conseil à huis clos';

/** A machine policy file for one scenario (GREFFIER_POLICY). */
export function policyFile(policy: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'greffier-e2e-policy-')), 'policy.json');
  writeFileSync(path, JSON.stringify(policy));
  return path;
}

export interface AppOptions {
  locale?: 'fr' | 'en';
  /** The devhost's arguments, e.g. `['--asr-model', setup().models.whisper]`. */
  args?: string[];
  /** Extra environment, e.g. GREFFIER_POLICY. */
  env?: NodeJS.ProcessEnv;
  /** A data folder prepared beforehand (its vault is unlocked); a fresh one otherwise. */
  home?: string;
  /** Which WAV plays as the microphone: the meeting's (default) or the question's. */
  microphone?: 'meeting' | 'question';
  /** Page script run before the app (see openApp). */
  init?: { script: (arg: boolean) => void; arg: boolean };
  /** Whether to create (fresh folder) or unlock (`home`) the vault; false leaves the unlock screen. */
  vault?: boolean;
  /** The vault's passphrase: PASSPHRASE unless said. */
  passphrase?: string;
}

export interface AppRun {
  page: Page;
  browser: Browser;
  /** The devhost running now (restart() replaces it). */
  host: Devhost;
  setup: Setup;
  /**
   * Stops the devhost (killed at once with `kill`, as a crash) and starts it
   * again on the same data folder and options; returns a new page on it, at
   * the unlock screen.
   */
  restart(options?: { kill?: boolean }): Promise<Page>;
}

/**
 * One scenario's app, set up as most French scenarios need it: the devhost
 * on a fresh data folder (or `home`), Chromium with a WAV as the microphone,
 * the app open and the vault created (or unlocked). The browser and the
 * devhost are stopped after `scenario`, whether it passed or not.
 */
export async function withApp(
  options: AppOptions,
  scenario: (run: AppRun) => Promise<void>,
): Promise<void> {
  const s = setup();
  const start = (home?: string) =>
    startDevhost({
      locale: options.locale ?? 'fr',
      ...(options.args ? { args: options.args } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(home ? { home } : {}),
    });
  let host = await start(options.home);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium(
      options.microphone === 'question' ? s.questionWav : s.meetingWav,
    );
    const { page } = await openApp(browser, host, options.init);
    if (options.vault !== false) {
      const unlock = new UnlockPage(page);
      const passphrase = options.passphrase ?? PASSPHRASE;
      if (options.home) await unlock.unlock(passphrase);
      else await unlock.createVault(passphrase);
    }
    const run: AppRun = {
      page,
      browser,
      get host() {
        return host;
      },
      setup: s,
      restart: async ({ kill } = {}) => {
        if (kill) host.process.kill('SIGKILL');
        await host.stop();
        host = await start(host.home);
        return (await openApp(browser!, host, options.init)).page;
      },
    };
    await scenario(run);
  } finally {
    await browser?.close();
    await host.stop();
  }
}
