import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { createVault } from '../../src/core/meetings/index.js';
import { locateVault } from '../../src/core/vault/location.js';
import type { CallName } from '../../src/shared/api.js';
import { runGreffier } from '../helpers/cli.js';
import { meetingWithMinutes } from '../helpers/record.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';

/**
 * The official record through both doors on one GREFFIER_HOME: the CLI
 * submits, approves, exports and verifies; the app refuses to edit what was
 * approved, and its exports carry the same signature.
 */
const PASS = 'une phrase secrète assez longue';
const root = tempDir('greffier-record-');
const home = join(root.path, 'home');
const passFile = join(root.path, 'pass.txt');
let meetingId = '';

const greffier = (...args: string[]) =>
  runGreffier({ ...process.env, GREFFIER_HOME: home }, [...args, '--passphrase-file', passFile]);
const offline = (...args: string[]) => runGreffier({ ...process.env, GREFFIER_HOME: home }, args);

async function call(service: AppService, name: CallName, input: unknown) {
  return service.dispatcher.call(name, input);
}

beforeAll(async () => {
  writeFileSync(passFile, `${PASS}\n`);
  const open = await createVault(locateVault({ GREFFIER_HOME: home }).dir, Buffer.from(PASS), {
    kdf: TEST_KDF,
    autoLockMinutes: 0,
  });
  meetingId = await meetingWithMinutes(open);
  await open.vault.lock();
});
afterAll(() => root.remove());

describe('the official record, two doors', () => {
  it('CLI: submit, approve, signed PDF/DOCX/Markdown exports verify; a changed character is named', async () => {
    expect((await greffier('minutes', 'submit', meetingId, '--by', 'Greffière')).code).toBe(0);
    const approve = await greffier('minutes', 'approve', meetingId, '--approver', 'Marie Dupont');
    expect(approve.stderr).toBe('');
    expect(approve.code).toBe(0);
    // The approved minutes refuse a new draft from the model, before any model is looked for.
    const again = await greffier('summarize', meetingId);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('read-only');
    expect(again.stderr).toContain('greffier minutes correct');

    const keys = await greffier('keys', 'list');
    const fingerprint = keys.stdout.split(/\s+/)[0]!;
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const pem = join(root.path, 'maire.pem');
    expect((await greffier('keys', 'export', fingerprint.slice(0, 12), '--out', pem)).code).toBe(0);

    for (const format of ['pdf', 'docx', 'md']) {
      const out = join(root.path, `cr.${format}`);
      const exported = await greffier(
        'minutes',
        'export',
        meetingId,
        '--format',
        format,
        '--out',
        out,
      );
      expect(exported.stdout.trim().split('\n')).toEqual([out, `${out}.sig.json`]);
      const verified = await offline('verify', out, '--pubkey', pem);
      expect(verified.stdout).toContain('OK: signature, key, minutes and transcript all match');
      expect(verified.code).toBe(0);
    }
    const md = join(root.path, 'cr.md');
    const text = readFileSync(md, 'utf8');
    // One character of the transcript (Markdown escapes the dash).
    expect(text).toContain('dix-neuf');
    writeFileSync(md, text.replace('dix-neuf', 'dix-neuv'));
    const tampered = await offline('verify', md, '--pubkey', pem);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain('MISMATCH transcript hash');
    expect(tampered.stdout).not.toContain('MISMATCH minutes');

    const history = await greffier('minutes', 'history', meetingId);
    expect(history.stdout).toContain('version 1 — approved');
    expect(history.stdout).toContain('approved by Marie Dupont');
    expect(history.stdout).toMatch(/signature\s+valid/);
  });

  it('app: approved minutes refuse edits and regeneration; the export carries its signature', async () => {
    const service = new AppService({ home, kdf: TEST_KDF });
    try {
      expect((await call(service, 'vault.unlock', { passphrase: PASS })).ok).toBe(true);
      const edit = await call(service, 'segments.edit', {
        meetingId,
        segmentId: 's0001',
        text: 'x',
      });
      expect(edit).toMatchObject({ ok: false, error: { code: 'minutes-locked' } });
      const redo = await call(service, 'minutes.regenerate', { meetingId, template: 'general' });
      expect(redo).toMatchObject({ ok: false, error: { code: 'minutes-locked' } });
      const exported = await call(service, 'export.meeting', { meetingId, format: 'pdf' });
      expect(exported.ok).toBe(true);
      const value = (exported as { value: { signature?: { fileName: string; json: string } } })
        .value;
      expect(value.signature?.fileName).toMatch(/\.pdf\.sig\.json$/);
      expect(JSON.parse(value.signature!.json)).toMatchObject({
        record: { approver: 'Marie Dupont' },
      });
      // A correction reopens a draft, which is editable again.
      const corrected = await call(service, 'record.correct', { meetingId, reason: 'Coquille' });
      expect(corrected.ok).toBe(true);
      const history = await call(service, 'record.history', { meetingId });
      expect(history).toMatchObject({ ok: true, value: { status: 'draft' } });
      expect(
        (await call(service, 'segments.edit', { meetingId, segmentId: 's0001', text: 'x' })).ok,
      ).toBe(true);
    } finally {
      await service.close();
    }
  });

  it('templates: an invalid template is refused with its field named, through both doors', async () => {
    const bad = join(root.path, 'bad.json');
    const general = JSON.parse((await greffier('templates', 'show', 'general')).stdout) as object;
    writeFileSync(bad, JSON.stringify({ ...general, id: 'mine', limits: { decisions: -1 } }));
    const saved = await greffier('templates', 'save', bad);
    expect(saved.code).toBe(2);
    expect(saved.stderr).toContain('"limits.decisions"');
    expect((await greffier('templates', 'copy', 'hr-interview', 'rh-court')).code).toBe(0);
    expect((await greffier('templates', 'list')).stdout).toMatch(/rh-court\s+own/);

    const service = new AppService({ home, kdf: TEST_KDF });
    try {
      await call(service, 'vault.unlock', { passphrase: PASS });
      const refused = await call(service, 'templates.save', {
        template: { ...general, id: 'mine', name: { fr: '', en: 'Mine' } },
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'template-invalid' } });
      expect((refused as { error: { message: string } }).error.message).toContain('"name.fr"');
      const ids = await call(service, 'minutes.templates', {});
      expect((ids as { value: string[] }).value).toContain('rh-court');
    } finally {
      await service.close();
    }
  });
});
