import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { defaultThreads } from '../../src/core/threads.js';
import {
  conversationFor,
  evidencePlace,
  type TurnView,
} from '../../src/renderer/ask/conversation.js';
import type { AnswerView } from '../../src/shared/api.js';
import { testModels } from '../helpers/models.js';
import { apiOf, until } from '../helpers/app-api.js';
import { homeWithMinutes } from '../helpers/record.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';

/**
 * The Ask screen's conversation on the real app service (the one Electron and
 * the devhost run), through the same call/on interface the screen uses.
 */
const PASS = 'une phrase secrète assez longue';

/** The app service on a vault holding a meeting with its minutes, unlocked. */
async function unlockedService(name: string, homes: string[]): Promise<AppService> {
  const models = await testModels();
  const { home } = await homeWithMinutes(PASS, name);
  homes.push(home);
  const service = new AppService({
    home,
    env: { GREFFIER_HOME: home },
    kdf: TEST_KDF,
    threads: defaultThreads(),
    fallbackModels: { asr: models.whisper, llm: models.llm },
  });
  await apiOf(service).call('vault.unlock', { passphrase: PASS });
  return service;
}

describe('the Ask screen’s conversation', () => {
  const dir = tempDir('greffier-ask-screen-');
  const homes: string[] = [];
  let service: AppService | undefined;
  afterEach(async () => {
    await service?.close();
    dir.remove();
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });

  it('outlives the screen: turns and an answer that came while away stay, until the vault locks', async () => {
    // A vault with a meeting: with none at all a question is refused (`no-meetings`).
    service = await unlockedService('ask-screen', homes);
    const api = apiOf(service);
    // The screen takes the session's conversation, asks, and is left before the answer.
    const screen = conversationFor(api);
    const questionId = screen.begin('Quel est le budget de la piscine ?');
    const { conversationId } = screen.getState();
    await api.call('ask.question', {
      text: 'Quel est le budget de la piscine ?',
      language: 'fr',
      questionId,
      conversationId,
    });
    await until(screen, () => screen.getState().turns[0]?.answer !== undefined);
    // Back on the screen: the same conversation, with the answer that came meanwhile.
    const back = conversationFor(api).getState();
    expect(back.conversationId).toBe(conversationId);
    expect(back.turns).toHaveLength(1);
    expect(back.turns[0]!.question).toBe('Quel est le budget de la piscine ?');
    expect(back.turns[0]!.answer).toEqual(screen.getState().turns[0]!.answer);

    // Locked: nothing of it is left, and the next conversation is a new one.
    await api.call('vault.lock', {});
    await until(screen, () => screen.getState().turns.length === 0);
    expect(conversationFor(api).getState().conversationId).not.toBe(conversationId);
  });
});

describe('barge-in', () => {
  const homes: string[] = [];
  let service: AppService | undefined;
  afterEach(async () => {
    await service?.close();
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });

  it('a new question stops the answer still being written: it says so on its own turn, and the new one is answered', async () => {
    service = await unlockedService('ask-barge-in', homes);
    const api = apiOf(service);
    const ended = new Map<string, string>();
    let done!: () => void;
    const bothEnded = new Promise<void>((resolve) => (done = resolve));
    const end = (questionId: string, how: string) => {
      ended.set(questionId, how);
      if (ended.size === 2) done();
    };
    api.on('ask.answer', ({ questionId }) => end(questionId, 'answered'));
    api.on('ask.failed', ({ questionId, error }) => end(questionId, error.code));
    const first = await api.call('ask.question', {
      text: 'Quel est le budget de la piscine ?',
      language: 'fr',
    });
    const second = await api.call('ask.question', {
      text: 'Qui a présenté le budget ?',
      language: 'fr',
    });
    await bothEnded;
    // Before: the first answer went on being written, and the new question waited behind it.
    expect(ended.get(first.questionId)).toBe('question-interrupted');
    expect(ended.get(second.questionId)).toBe('answered');
  });
});

describe('the evidence and a « not found » answer', () => {
  const citation = { meetingId: 'm1', segmentId: 's1', startMs: 0, endMs: 1, quote: 'Adopté.' };
  const answer = (found: boolean): AnswerView =>
    ({
      question: 'q',
      language: 'fr',
      answer: found ? 'Adopté.' : '',
      citations: found ? [citation] : [],
      found,
      droppedCitations: 0,
    }) as AnswerView;
  const turn = (change: Partial<TurnView>): TurnView => ({
    questionId: 'q1',
    partial: '',
    ...change,
  });

  it('comes first while the model writes and above an answer, after a « not found » as the nearest passage', () => {
    const evidence = { citation, spoken: 'Le 12 mars, Mme Martin a dit : « Adopté. »' };
    expect(evidencePlace(turn({}))).toBeUndefined();
    expect(evidencePlace(turn({ evidence }))).toBe('first');
    expect(evidencePlace(turn({ evidence, answer: answer(true) }))).toBe('first');
    expect(evidencePlace(turn({ evidence, answer: answer(false) }))).toBe('nearest');
  });
});
