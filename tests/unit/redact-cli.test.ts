import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGreffier } from '../helpers/cli.js';
import { createTestVault, tempDir, TEST_PASSPHRASE } from '../helpers/vault.js';

const home = tempDir('greffier-redact-cli-');
const pass = join(home.path, 'pass');
const env = { ...process.env, GREFFIER_HOME: home.path };
let id = '';

beforeAll(async () => {
  writeFileSync(pass, TEST_PASSPHRASE);
  const open = await createTestVault(join(home.path, 'vault'));
  const meeting = await open.meetings.create({ title: 'Entretien', language: 'fr' });
  id = meeting.id;
  await open.meetings.finish(id);
  await open.meetings.setTranscript(
    id,
    [{ startMs: 0, endMs: 1000, text: 'Joindre Paul Durand au 06 12 34 56 78.', speakerId: 'p1' }],
    { speakers: [{ id: 'p1', name: 'Paul Durand' }] },
  );
  await open.vault.lock();
});
afterAll(() => home.remove());

const greffier = (...args: string[]) => runGreffier(env, [...args, '--passphrase-file', pass]);

describe('greffier redact', () => {
  it('suggests, applies, lists and refuses a range outside the line', async () => {
    const suggested = await greffier('redact', id, '--suggest', '--json');
    expect(JSON.parse(suggested.stdout)).toMatchObject([
      { segmentId: 's0001', kind: 'name', text: 'Paul Durand' },
      { segmentId: 's0001', kind: 'phone', text: '06 12 34 56 78' },
    ]);
    expect((await greffier('redact', id, '--apply-suggested')).code).toBe(0);
    const listed = await greffier('redact', id);
    expect(listed.stdout).toMatch(/s0001:8-19\s+name\s+"Paul Durand"/);
    expect((await greffier('redact', id, '--suggest')).stdout).toBe('nothing to suggest\n');
    const bad = await greffier('redact', id, '--span', 's0001:30-90');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('are not inside segment s0001');
    const audit = await greffier('audit', 'show', '--action', 'redaction.applied', '--json');
    expect(JSON.parse(audit.stdout)).toHaveLength(1);
  });
});
