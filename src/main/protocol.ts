import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, normalize, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../core/app/csp.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Answers app://greffier/<path> from the built renderer folder only. The
 * path is decoded, normalised and must stay inside the folder: "..", encoded
 * slashes and absolute paths all end in 403/404, never in another file.
 */
export async function serveAppFile(rendererDir: string, url: string): Promise<Response> {
  const root = resolve(rendererDir);
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return new Response('Bad path', { status: 400 });
  }
  const relative =
    pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const file = resolve(root, normalize(relative));
  if (!file.startsWith(root + sep)) return new Response('Forbidden', { status: 403 });
  if (!existsSync(file) || !statSync(file).isFile())
    return new Response('Not found', { status: 404 });
  return new Response(await readFile(file), {
    headers: {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy(),
      'x-content-type-options': 'nosniff',
    },
  });
}
