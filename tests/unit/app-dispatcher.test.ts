import { describe, expect, it } from 'vitest';
import { GreffierError } from '../../src/core/errors.js';
import { BlockedRequestLog } from '../../src/core/app/blocked-log.js';
import { systemUiLocale } from '../../src/core/app/locale.js';
import { speakerAt, withSpeakers } from '../../src/core/app/live.js';
import { AppDispatcher } from '../../src/core/app/service.js';
import { contentSecurityPolicy } from '../../src/core/app/csp.js';
import { apiCalls, apiEvents } from '../../src/shared/api.js';

describe('AppDispatcher: the one door both transports use', () => {
  it('refuses an unknown call with what is wrong and what to do', async () => {
    const d = new AppDispatcher();
    const response = await d.call('fs.readFile', { path: '/etc/passwd' });
    expect(response).toEqual({
      ok: false,
      error: {
        code: 'unknown-call',
        message: 'The app has no call named "fs.readFile".',
        hint: 'The window and the app are out of step: restart Greffier.',
      },
    });
  });

  it('validates the input before any handler runs, naming the bad field', async () => {
    const d = new AppDispatcher();
    let ran = false;
    d.register({
      'recording.append': async () => {
        ran = true;
        return { acknowledgedSeq: 0, durationMs: 0 };
      },
    });
    const response = await d.call('recording.append', { meetingId: 'm1', seq: -1, pcm: 'AAAA' });
    expect(ran).toBe(false);
    expect(response.ok).toBe(false);
    if (!response.ok) {
      // A bounded number: its field and range come back as data (shared/input-refusal.ts).
      expect(response.error.code).toBe('value-out-of-range');
      expect(response.error.vars).toMatchObject({ field: 'seq', min: 0 });
      expect(response.error.message).toMatch(/^"seq" must be between 0 and .*"recording.append"/);
    }
    const extra = await d.call('vault.lock', { sneaky: true });
    expect(extra.ok).toBe(false);
    if (!extra.ok) expect(extra.error.message).toContain('"vault.lock" was refused');
  });

  it('checks the answer too: a handler that breaks the contract fails loudly', async () => {
    const d = new AppDispatcher();
    d.register({ 'settings.get': async () => ({ defaultLanguage: 'de' }) as never });
    const response = await d.call('settings.get', {});
    expect(response.ok).toBe(false);
    if (!response.ok) expect(response.error.code).toBe('invalid-request');
  });

  it('passes a core error through as message + hint', async () => {
    const d = new AppDispatcher();
    d.register({
      'vault.unlock': async () => {
        throw new GreffierError('wrong-passphrase', 'wrong passphrase for this vault', {
          hint: 'check the passphrase and try again',
        });
      },
    });
    expect(await d.call('vault.unlock', { passphrase: 'nope-nope' })).toEqual({
      ok: false,
      error: {
        code: 'wrong-passphrase',
        message: 'wrong passphrase for this vault',
        hint: 'check the passphrase and try again',
      },
    });
  });

  it('says plainly when a call has no handler in this build', async () => {
    const response = await new AppDispatcher().call('models.list', {});
    expect(response).toMatchObject({
      ok: false,
      error: { code: 'not-available', message: '"models.list" is not available in this build.' },
    });
  });

  it('validates events and logs blocked requests as events', () => {
    const d = new AppDispatcher();
    const seen: string[] = [];
    d.onEvent((event) => seen.push(event));
    d.blocked.record({ url: 'https://x.example/', by: 'csp', detail: 'connect-src' });
    expect(seen).toEqual(['security.blocked']);
    expect(() => d.emit('meeting.changed', { meetingId: '' })).toThrow();
  });

  it('every call and event of the contract has a schema', () => {
    for (const [name, spec] of Object.entries(apiCalls)) {
      expect(spec.input, name).toBeDefined();
      expect(spec.output, name).toBeDefined();
    }
    expect(Object.keys(apiEvents)).toContain('live.segments');
  });
});

describe('BlockedRequestLog', () => {
  it('keeps the newest first, cuts long URLs (they may smuggle transcript words) and caps its size', () => {
    const log = new BlockedRequestLog(3);
    for (let i = 0; i < 5; i++)
      log.record({ url: `https://e.example/${i}`, by: 'electron', detail: 'xhr' });
    log.record({
      url: `https://e.example/?q=${'a'.repeat(1000)}`,
      by: 'csp',
      detail: 'connect-src',
    });
    const entries = log.list();
    expect(entries).toHaveLength(3);
    expect(entries[0]!.url.length).toBeLessThanOrEqual(301);
    expect(entries[0]!.url.endsWith('…')).toBe(true);
    expect(entries[2]!.url).toBe('https://e.example/3');
  });
});

describe('system locale', () => {
  it('is French on a French system and English otherwise', () => {
    expect(systemUiLocale({ LANG: 'fr_FR.UTF-8' })).toBe('fr');
    expect(systemUiLocale({ LC_ALL: 'fr_CA.UTF-8', LANG: 'en_US.UTF-8' })).toBe('fr');
    expect(systemUiLocale({ LANG: 'de_DE.UTF-8' })).toBe('en');
    expect(systemUiLocale({ GREFFIER_LOCALE: 'fr', LANG: 'en_GB.UTF-8' })).toBe('fr');
  });
});

describe('speaker roster turns', () => {
  const turns = [
    { atMs: 0, speakerId: 'p1' },
    { atMs: 5000, speakerId: 'p2' },
  ];
  it('gives each segment the speaker marked last before its middle', () => {
    expect(speakerAt(turns, { startMs: 1000, endMs: 3000 })).toBe('p1');
    expect(speakerAt(turns, { startMs: 4000, endMs: 7000 })).toBe('p2');
    expect(speakerAt([], { startMs: 0, endMs: 1 })).toBeUndefined();
    expect(withSpeakers([{ startMs: 6000, endMs: 6500 }], [...turns].reverse())).toEqual([
      { startMs: 6000, endMs: 6500, speakerId: 'p2' },
    ]);
  });
});

describe('content security policy', () => {
  it('lets the page load and connect to itself only, with no inline code', () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });
});
