import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { askInConversation, type QuestionSources } from '../../src/core/answers/ask.js';
import { HeldQuestionAsk } from '../../src/core/answers/held-ask.js';
import type { Evidence } from '../../src/core/answers/evidence.js';
import { whisperHear } from '../../src/core/answers/listen.js';
import { ModelHost } from '../../src/core/llm/host.js';
import type { ModelRef } from '../../src/core/llm/protocol.js';
import { SearchIndex, type IndexableMeeting } from '../../src/core/search/index.js';
import { defaultThreads } from '../../src/core/threads.js';
import { floatToInt16 } from '../../src/core/audio/pcm.js';
import { readWavFile } from '../../src/core/audio/wav.js';
import { speechToolsMissing, spokenWav } from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';

// Generation on 2 shared cores can take minutes when other jobs run beside it.
vi.setConfig({ testTimeout: 300_000 });

const corpus = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/corpus/meetings.json'), 'utf8'),
) as { meetings: IndexableMeeting[] };
const segmentsById = new Map(
  corpus.meetings.flatMap((m) => m.segments.map((s) => [`${m.id}/${s.id}`, s] as const)),
);
const lookup = (meetingId: string, segmentId: string) =>
  segmentsById.get(`${meetingId}/${segmentId}`);

let llm: ModelRef;
let asrModel: string;
const host = new ModelHost({ idleUnloadMs: 0 });
const index = new SearchIndex();
const sources = async (): Promise<QuestionSources> => ({
  index,
  lookup,
  meetings: corpus.meetings.map((m) => ({ id: m.id, startedAt: m.startedAt })),
  model: llm,
  asrModel,
});

beforeAll(async () => {
  const models = await testModels();
  llm = { path: models.llm, threads: defaultThreads(), contextSize: 4096 };
  asrModel = models.whisper;
  for (const meeting of corpus.meetings) index.addMeeting(meeting);
});
afterAll(() => host.close());

function expectVerified(evidence: Evidence | undefined) {
  expect(evidence, 'evidence was found').toBeDefined();
  const stored = lookup(evidence!.citation.meetingId, evidence!.citation.segmentId);
  expect(stored?.text).toContain(evidence!.citation.quote);
  expect(evidence!.citation.startMs).toBe(stored!.startMs);
  expect(evidence!.spoken).toContain(evidence!.citation.quote);
}

describe('a conversation with the generated model', () => {
  it('a follow-up reads passages of the meeting the first question was about', async () => {
    const events: string[] = [];
    let evidence: Evidence | undefined;
    const first = await askInConversation(
      { text: 'Quel est le montant du budget primitif ?', language: 'fr' },
      {
        host,
        sources,
        onEvidence: (e) => {
          evidence = e;
          events.push('evidence');
        },
        onToken: () => events.push('token'),
      },
    );
    expectVerified(evidence);
    // The evidence is said before the model's first word.
    expect(events[0]).toBe('evidence');
    expect(first.turn.meetingIds).toEqual(['conseil-2026-03']);

    // Alone, « et le vote ? » finds the June council's vote.
    const alone = await askInConversation(
      { text: 'Et le vote ?', language: 'fr' },
      { host, sources },
    );
    const follow = await askInConversation(
      { text: 'Et le vote ?', language: 'fr' },
      { host, sources, turns: [first.turn] },
    );
    expect(follow.hits.length).toBeGreaterThan(0);
    expect(new Set(follow.hits.map((h) => h.meetingId))).toEqual(new Set(['conseil-2026-03']));
    expect(alone.hits.some((h) => h.meetingId !== 'conseil-2026-03')).toBe(true);
  });

  it('« la dernière séance » and « en mars » narrow retrieval to those meetings', async () => {
    const now = new Date('2026-11-30T00:00:00Z');
    const last = await askInConversation(
      { text: 'Qu’avons-nous décidé la dernière séance sur le budget ?', language: 'fr' },
      { host, sources, now },
    );
    expect(new Set(last.hits.map((h) => h.meetingId))).toEqual(new Set(['conseil-2026-06']));
    const march = await askInConversation(
      { text: 'Qu’a-t-on dit sur le budget en mars ?', language: 'fr' },
      { host, sources, now },
    );
    expect(new Set(march.hits.map((h) => h.meetingId))).toEqual(new Set(['conseil-2026-03']));
  });

  it('held key: whisper hears the growing question, the passages are read ahead, release answers', async (context) => {
    const missing = speechToolsMissing();
    if (missing) {
      context.skip(`no speech tools: ${missing}`);
      return;
    }
    const wav = await readWavFile(
      spokenWav({ lang: 'fr', text: 'Quel est le montant du budget primitif voté au conseil ?' }),
    );
    const heard: string[] = [];
    const stages: string[] = [];
    let evidence: Evidence | undefined;
    const cli = await whisperCli();
    const ask = new HeldQuestionAsk(
      'fr',
      {
        host,
        sources,
        onHeard: (t) => heard.push(t),
        onStage: (s) => stages.push(s),
        onEvidence: (e) => (evidence = e),
      },
      { hear: whisperHear({ model: asrModel, threads: defaultThreads(), whisperCli: cli }) },
    );
    const pcm = floatToInt16(wav.channels[0]!);
    for (let at = 0; at < pcm.length; at += 16_000) ask.push(pcm.slice(at, at + 16_000));
    const done = await ask.finish();
    expect(stages[0]).toBe('listening');
    expect(stages).toContain('transcribing');
    expect(done.answer.transcribedFrom).toBe(heard.at(-1) ?? '');
    if (done.hits.length > 0) expectVerified(evidence);
  });
});
