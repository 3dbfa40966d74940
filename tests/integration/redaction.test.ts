import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readAudit } from '../../src/core/audit/index.js';
import { askQuestion } from '../../src/core/answers/ask.js';
import { AppService } from '../../src/core/app/app-service.js';
import { ModelHost } from '../../src/core/llm/host.js';
import { vaultModelSource } from '../../src/core/models/source.js';
import {
  addRedactions,
  eraseRedacted,
  listRedactions,
  suggestRedactions,
} from '../../src/core/redaction/index.js';
import { currentIndex } from '../../src/core/search/store.js';
import { testModels } from '../helpers/models.js';
import {
  createTestVault,
  openTestVault,
  plaintextHits,
  tempDir,
  TEST_KDF,
  TEST_PASSPHRASE,
} from '../helpers/vault.js';

vi.setConfig({ testTimeout: 300_000 });

const NAME = 'Jeanne Martin';
const minutes = {
  meetingId: 'x',
  language: 'fr',
  template: 'general',
  title: 'Séance présidée par Jeanne Martin',
  overview: 'Jeanne Martin ouvre la séance et présente le budget.',
  decisions: [{ text: 'Budget adopté sur proposition de Jeanne Martin', segmentIds: ['s0001'] }],
  actionItems: [
    { owner: 'Jeanne Martin', task: 'Publier le budget', due: 'avril', segmentIds: ['s0002'] },
  ],
  openQuestions: [],
  topics: ['budget'],
  interventions: [{ speaker: 'Jeanne Martin', summary: 'Présente le budget.' }],
  generatedAt: '2026-03-03T19:00:00.000Z',
  model: 'llm.gguf',
  method: { chunks: 1, contextSize: 2048 },
};

const home = tempDir('greffier-redact-');
const vaultDir = join(home.path, 'vault');
let meetingId = '';

beforeAll(async () => {
  const open = await createTestVault(vaultDir);
  const meeting = await open.meetings.create({ title: 'Conseil municipal', language: 'fr' });
  meetingId = meeting.id;
  await open.meetings.finish(meeting.id);
  await open.meetings.setTranscript(
    meeting.id,
    [
      {
        startMs: 0,
        endMs: 4000,
        text: 'Madame Jeanne Martin ouvre la séance du conseil municipal.',
        speakerId: 'p1',
      },
      {
        startMs: 4000,
        endMs: 9000,
        text: 'Le budget primitif est présenté, écrivez à jeanne.martin@mairie.fr.',
        speakerId: 'p2',
      },
      {
        startMs: 9000,
        endMs: 12000,
        text: 'Merci madame Martin, le budget est voté.',
        speakerId: 'p2',
      },
    ],
    {
      speakers: [
        { id: 'p1', name: NAME },
        { id: 'p2', name: 'Paul Durand' },
      ],
    },
  );
  await open.meetings.setSummary(meeting.id, { ...minutes, meetingId: meeting.id });
  const suggested = await suggestRedactions(open, meeting.id);
  expect(suggested.map((s) => [s.segmentId, s.kind, s.text])).toEqual([
    ['s0001', 'name', NAME],
    ['s0002', 'email', 'jeanne.martin@mairie.fr'],
    ['s0003', 'name', 'Martin'],
  ]);
  await addRedactions(open, meeting.id, suggested);
  await open.vault.lock();
});
afterAll(() => home.remove());

describe('a redacted name', () => {
  const service = new AppService({ home: home.path, kdf: TEST_KDF });
  afterAll(() => service.close());

  async function exported(format: string): Promise<Buffer> {
    const response = await service.dispatcher.call('export.meeting', { meetingId, format });
    if (!response.ok) throw new Error(response.error.message);
    return Buffer.from((response.value as { base64: string }).base64, 'base64');
  }

  it('is absent from the bytes of every export format', async () => {
    const unlocked = await service.dispatcher.call('vault.unlock', {
      passphrase: TEST_PASSPHRASE.toString(),
    });
    expect(unlocked.ok).toBe(true);
    const scratch = mkdtempSync(join(tmpdir(), 'greffier-redact-out-'));
    try {
      for (const format of ['md', 'srt', 'vtt']) {
        const text = (await exported(format)).toString('utf8');
        expect(text, format).not.toMatch(/martin/i);
        // Markdown escapes the brackets: \[caviardé\].
        expect(text, format).toContain('caviardé');
      }
      const docx = join(scratch, 'minutes.docx');
      writeFileSync(docx, await exported('docx'));
      const xml = spawnSync('unzip', ['-p', docx], { encoding: 'latin1' });
      expect(xml.error, 'unzip is installed').toBeUndefined();
      expect(xml.stdout).toContain('caviard');
      expect(xml.stdout).not.toMatch(/martin/i);
      const pdf = join(scratch, 'minutes.pdf');
      writeFileSync(pdf, await exported('pdf'));
      const text = spawnSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
      expect(text.error, 'pdftotext (poppler-utils) is installed').toBeUndefined();
      expect(text.stdout).toContain('[caviardé]');
      expect(text.stdout).not.toMatch(/martin/i);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      await service.close();
    }
  });

  it('is absent from search passages and answers, while the vault keeps the words', async () => {
    const open = await openTestVault(vaultDir);
    const host = new ModelHost({ idleUnloadMs: 0 });
    try {
      const index = await currentIndex(open);
      const hits = index.search({ text: 'Jeanne Martin ouvre la séance budget' }, { limit: 20 });
      expect(hits.length).toBeGreaterThan(0);
      expect(JSON.stringify(hits)).not.toMatch(/martin/i);
      const models = await testModels();
      const answer = await askQuestion(
        { text: 'Qui a ouvert la séance du conseil municipal ?', language: 'fr' },
        {
          open,
          models: vaultModelSource(open, { fallback: { llm: models.llm } }),
          host,
          contextSize: 4096,
        },
      );
      expect(JSON.stringify(answer)).not.toMatch(/martin/i);
      const asked = await readAudit(open.vault, { action: 'question.asked' });
      expect(asked.at(-1)?.details).toEqual({
        question: 'Qui a ouvert la séance du conseil municipal ?',
        spoken: false,
      });
      expect(JSON.stringify(asked.at(-1))).not.toContain(answer.answer);
      const exports = await readAudit(open.vault, { action: 'export.meeting' });
      expect(exports.map((e) => e.details?.format)).toEqual(['md', 'srt', 'vtt', 'docx', 'pdf']);
      // Authorised use: the meeting page still reads the words.
      expect((await open.meetings.getSegments(meetingId))[0]!.text).toContain(NAME);
    } finally {
      await host.close();
      await open.vault.lock();
    }
  });

  it('is gone from the vault for good once the clerk erases it', async () => {
    const open = await openTestVault(vaultDir);
    try {
      expect(await eraseRedacted(open, meetingId)).toBe(3);
      expect((await listRedactions(open, meetingId)).every((m) => m.text === undefined)).toBe(true);
      const segments = await open.meetings.getSegments(meetingId);
      expect(segments[0]!.text).toBe('Madame [caviardé] ouvre la séance du conseil municipal.');
      expect(JSON.stringify(await open.meetings.getSummary(meetingId))).not.toMatch(/martin/i);
      expect(open.meetings.getMeeting(meetingId).speakers[0]!.name).toBe('[caviardé]');
    } finally {
      await open.vault.lock();
    }
    // No sealed file still opens to the old words: checked by what the vault's own files hold in clear (none).
    expect(plaintextHits(vaultDir, [NAME])).toEqual([]);
  });
});
