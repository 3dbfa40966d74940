import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { AUDIT_ACTIONS } from '../../src/core/audit/actions.js';
import { defaultThreads } from '../../src/core/threads.js';
import { conversationFor } from '../../src/renderer/ask/conversation.js';
import { auditDetails } from '../../src/renderer/audit-details.js';
import { translator, type MessageKey } from '../../src/renderer/i18n/translate.js';
import { testModels } from '../helpers/models.js';
import { apiOf, until } from '../helpers/app-api.js';
import { homeWithMinutes } from '../helpers/record.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';

/**
 * Found walking: saving a conversation (Ask screen, « Enregistrer la
 * conversation ») writes quotes of meetings out of the vault, like an export,
 * yet left no trace in the audit trail. It is audited now, with the number of
 * questions and the meetings quoted, and refused when the policy turns exports off.
 */
const PASS = 'une phrase secrète assez longue';
const QUESTION = 'Quel est le budget de la piscine ?';
const dir = tempDir('greffier-conversation-saved-');
const homes: string[] = [];
afterAll(() => {
  dir.remove();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/**
 * A service with one answered question in the screen's conversation. The vault
 * holds a meeting: with none at all, a question is refused (`no-meetings`).
 */
async function askedOnce(name: string, env: NodeJS.ProcessEnv = {}) {
  const models = await testModels();
  const { home } = await homeWithMinutes(PASS, `conversation-${name}`);
  homes.push(home);
  const service = new AppService({
    home,
    env: { GREFFIER_HOME: home, ...env },
    kdf: TEST_KDF,
    threads: defaultThreads(),
    fallbackModels: { asr: models.whisper, llm: models.llm },
  });
  const api = apiOf(service);
  await api.call('vault.unlock', { passphrase: PASS });
  const screen = conversationFor(api);
  const questionId = screen.begin(QUESTION);
  const { conversationId } = screen.getState();
  await api.call('ask.question', { text: QUESTION, language: 'fr', questionId, conversationId });
  await until(screen, () => screen.getState().turns[0]?.answer !== undefined);
  const answer = screen.getState().turns[0]!.answer!;
  return {
    service,
    api,
    conversationId,
    quoted: [...new Set(answer.citations.map((c) => c.meetingId))],
  };
}

describe('saving a conversation', () => {
  let service: AppService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('is audited like an export: the questions, the meetings quoted and the file', async () => {
    const asked = await askedOnce('audited');
    service = asked.service;
    const { api, conversationId, quoted } = asked;
    const saved = await api.call('ask.saveConversation', { conversationId });
    expect(saved.fileName).toMatch(/^conversation-\d{4}-\d{2}-\d{2}\.md$/);

    const entries = await api.call('audit.list', { action: 'conversation.saved' });
    expect(entries).toHaveLength(1);
    expect(entries[0]!.details).toEqual({
      what: 'conversation',
      questions: 1,
      meetings: quoted,
      fileName: saved.fileName,
    });
    // The Audit screen names it and its details, in French and in English.
    const fr = translator('fr');
    const en = translator('en');
    expect(fr('audit.action.conversation.saved' as MessageKey)).toBe('Conversation enregistrée');
    expect(en('audit.action.conversation.saved' as MessageKey)).toBe('Conversation saved');
    const details = auditDetails(entries[0]!, fr, 'fr');
    expect(details.map((d) => d.label)).toEqual(['Objet', 'Questions', 'Réunions', 'Fichier']);
    expect(details.map((d) => d.value).slice(0, 2)).toEqual(['conversation', '1']);
    if (quoted.length === 0) expect(details[2]!.value).toBe('aucune');
  });

  it('is refused when the machine policy turns exports off, and nothing is audited', async () => {
    const policy = join(dir.path, 'no-exports.json');
    writeFileSync(policy, JSON.stringify({ featuresOff: ['exports'] }));
    const asked = await askedOnce('policy', { GREFFIER_POLICY: policy });
    service = asked.service;
    const { api, conversationId } = asked;
    const refused = await api
      .call('ask.saveConversation', { conversationId })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'policy-feature-off' });
    expect(await api.call('audit.list', { action: 'conversation.saved' })).toEqual([]);
  });
});

describe('the audit trail’s actions', () => {
  it('each has a label in French and in English', () => {
    for (const locale of ['fr', 'en'] as const) {
      const t = translator(locale);
      const missing = AUDIT_ACTIONS.filter(
        (action) => t(`audit.action.${action}` as MessageKey) === `audit.action.${action}`,
      );
      expect(missing, `${locale}: actions with no label`).toEqual([]);
    }
  });
});
