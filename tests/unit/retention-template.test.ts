import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MinutesRecord } from '../../src/core/record/approval.js';
import { recordRetentionSource } from '../../src/core/record/retention-source.js';
import { Templates } from '../../src/core/record/templates.js';
import { retentionPreview } from '../../src/core/retention/index.js';
import { createTestVault, syntheticChunk, tempDir } from '../helpers/vault.js';

const DAY = 86_400_000;

describe("a template's retention rule", () => {
  it('applies to meetings whose minutes it wrote, counted from their approval', async () => {
    const home = tempDir('greffier-retention-template-');
    const open = await createTestVault(join(home.path, 'vault'));
    const templates = new Templates(open.vault);
    const hr = await templates.copy('general', 'entretien-rh');
    await templates.save({ ...hr, retention: { audioDays: 30 } });

    const made = async (template: string) => {
      const m = await open.meetings.create({
        title: `Entretien ${template}`,
        startedAt: new Date(Date.now() - 400 * DAY).toISOString(),
      });
      await open.meetings.appendAudio(m.id, syntheticChunk(0));
      await open.meetings.finish(m.id);
      await open.meetings.setTranscript(m.id, [{ startMs: 0, endMs: 1000, text: 'Bonjour.' }]);
      await open.meetings.setSummary(m.id, {
        meetingId: m.id,
        language: 'fr',
        template,
        title: `Entretien ${template}`,
        overview: 'Entretien annuel.',
        decisions: [],
        actionItems: [],
        openQuestions: [],
        topics: [],
        interventions: [],
        generatedAt: new Date().toISOString(),
        model: 'test.gguf',
        method: { chunks: 1, contextSize: 2048 },
      });
      return m.id;
    };
    const ruled = await made('entretien-rh');
    const unruled = await made('general');
    const record = new MinutesRecord(open);
    for (const id of [ruled, unruled]) {
      await record.submit(id, 'Greffière');
      await record.approve(id, { approver: 'Marie Dupont' });
    }

    const source = await recordRetentionSource(open);
    // Approved today: the 30 days have not run yet, although the meeting is 400 days old.
    expect((await retentionPreview(open, source)).items).toEqual([]);
    const later = await retentionPreview(open, source, new Date(Date.now() + 31 * DAY));
    expect(later.items.map((i) => [i.meetingId, i.part])).toEqual([[ruled, 'audio']]);
  });
});
