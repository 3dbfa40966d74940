// Walk driver (not a test): starts the built devhost on a home folder and Debian's Chromium
// with a WAV as microphone, then evaluates JS snippets POSTed to http://127.0.0.1:$PORT/.
// Snippet sees: page, context, browser, host, shot(name), log(...).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from '@playwright/test';

const root = '/work/wt-walk5';
const s = JSON.parse(readFileSync('/work/main/test-results/e2e-setup.json', 'utf8'));
const home = process.env.WALK_HOME || mkdtempSync(join(tmpdir(), 'greffier-walk-'));
const mic = process.env.WALK_MIC || s.meetingWav;
const port = Number(process.env.WALK_PORT || 9311);
const shots = join(root, 'walk', 'shots');
mkdirSync(shots, { recursive: true });

let host;
function startHost() {
  const child = spawn(
    'nice',
    ['-n', '5', process.execPath, join(root, 'dist/devhost/main.js'), '--threads', '1'],
    {
      env: {
        ...process.env,
        GREFFIER_HOME: home,
        GREFFIER_WHISPER_CLI: s.whisperCli,
        GREFFIER_LOCALE: 'fr',
        ...(process.env.WALK_POLICY ? { GREFFIER_POLICY: process.env.WALK_POLICY } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
    process.stderr.write('[host] ' + c);
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('GREFFIER_URL=')) resolve({ url: line.slice(13), child, home });
      else process.stdout.write('[host] ' + line + '\n');
    });
    child.once('exit', (code) => reject(new Error('devhost exited ' + code + stderr)));
  });
}
host = await startHost();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${mic}`,
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--autoplay-policy=no-user-gesture-required',
    '--lang=fr-FR',
  ],
});
const context = await browser.newContext({
  acceptDownloads: true,
  viewport: { width: 1280, height: 860 },
  locale: 'fr-FR',
});
await context.grantPermissions(['microphone'], { origin: new URL(host.url).origin });
let page = await context.newPage();
const consoleLog = [];
page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
page.on('pageerror', (e) => consoleLog.push(`pageerror: ${e.message}`));
await page.goto(host.url);
await page.locator('html[data-ready="true"]').waitFor();
const shot = async (name, full = true) => {
  const p = join(shots, name + '.png');
  await page.screenshot({ path: p, fullPage: full });
  return p;
};
const restartHost = async () => {
  host.child.kill('SIGTERM');
  await new Promise((r) => host.child.once('exit', r));
  host = await startHost();
  return host.url;
};
createServer(async (req, res) => {
  let body = '';
  for await (const c of req) body += c;
  const out = [];
  const log = (...a) =>
    out.push(a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' '));
  try {
    const fn = new Function(
      'ctx',
      `return (async ({page, context, browser, host, shot, log, consoleLog, restartHost, home}) => { ${body} })(ctx)`,
    );
    const r = await fn({ page, context, browser, host, shot, log, consoleLog, restartHost, home });
    res.end(
      out.join('\n') +
        (r === undefined
          ? ''
          : '\n=> ' + (typeof r === 'string' ? r : JSON.stringify(r, null, 1))) +
        '\n',
    );
  } catch (e) {
    res.end(out.join('\n') + '\nERROR ' + ((e && e.stack) || e) + '\n');
  }
}).listen(port, '127.0.0.1', () =>
  console.log(`WALK_READY port=${port} home=${home} url=${host.url}`),
);
process.on('SIGTERM', async () => {
  await browser.close();
  host.child.kill('SIGTERM');
  process.exit(0);
});
