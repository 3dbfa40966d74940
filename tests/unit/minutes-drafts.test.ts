import { afterEach, describe, expect, it } from 'vitest';
import { GreffierError } from '../../src/core/errors.js';
import { MinutesRecord } from '../../src/core/record/index.js';
import { editMinutes } from '../../src/core/record/edit.js';
import { keepCurrentMinutes, restoreMinutes } from '../../src/core/record/drafts.js';
import type { Minutes } from '../../src/shared/minutes.js';
import { createTestVault, tempDir } from '../helpers/vault.js';
import { meetingWithMinutes } from '../helpers/record.js';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  while (dirs.length) dirs.pop()!.remove();
});

async function draftMeeting() {
  const d = tempDir();
  dirs.push(d);
  const open = await createTestVault(d.path);
  const audits: string[] = [];
  const hooks = { onAudit: (action: string) => void audits.push(action) };
  const record = new MinutesRecord(open, hooks);
  const id = await meetingWithMinutes(open);
  const generated = (await open.meetings.getSummary(id)) as Minutes;
  // What the pipeline does after writing the minutes.
  await record.generated(id, 'council-session', generated);
  return { open, record, id, generated, audits, hooks };
}

async function rejection(promise: Promise<unknown>): Promise<GreffierError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GreffierError);
  return error as GreffierError;
}

describe('minutes drafts in the history (walk 4, finding 3)', () => {
  it('a hand edit is an entry of the history, with who and the text as saved', async () => {
    const { open, record, id, generated, hooks } = await draftMeeting();
    await editMinutes(
      open,
      id,
      { ...generated, overview: 'Le conseil a adopté le budget par 23 voix.' },
      { hooks, by: 'Greffière' },
    );
    const events = (await record.history(id)).versions[0]!.events;
    expect(events.map((e) => [e.action, e.by])).toEqual([
      ['generated', undefined],
      ['edited', 'Greffière'],
    ]);
    expect(events[1]!.minutes?.overview).toBe('Le conseil a adopté le budget par 23 voix.');
    expect(events[0]!.minutes?.overview).toBe('Le conseil a adopté le budget.');
    await open.vault.lock();
  });

  it('any earlier text can be restored, the current one cannot, and nothing is lost', async () => {
    const { open, record, id, generated, hooks, audits } = await draftMeeting();
    const edited = { ...generated, overview: 'Texte du greffier.' };
    await editMinutes(open, id, edited, { hooks });
    let history = await record.history(id);
    // Only the generated text differs from the current one.
    expect(history.restorable).toEqual([{ version: 1, event: 0 }]);
    expect((await rejection(restoreMinutes(open, id, { version: 1, event: 1 }))).code).toBe(
      'minutes-already-current',
    );
    expect((await rejection(restoreMinutes(open, id, { version: 1, event: 7 }))).code).toBe(
      'minutes-version-unknown',
    );
    await restoreMinutes(open, id, { version: 1, event: 0 }, { hooks });
    expect(((await open.meetings.getSummary(id)) as Minutes).overview).toBe(
      'Le conseil a adopté le budget.',
    );
    history = await record.history(id);
    const events = history.versions[0]!.events;
    expect(events.map((e) => e.action)).toEqual(['generated', 'edited', 'restored']);
    expect(events[2]!.restoredFrom).toEqual({ version: 1, event: 0 });
    // The hand edit can come back.
    expect(history.restorable).toEqual([{ version: 1, event: 1 }]);
    expect(audits.at(-1)).toBe('minutes.restored');
    await open.vault.lock();
  });

  it('minutes about to be written over are kept first when the history lacks them', async () => {
    const { open, record, id, generated } = await draftMeeting();
    // Edited outside the history (an older vault, an archive): the record has only the generation.
    await open.meetings.setSummary(id, { ...generated, overview: 'Édité avant.' });
    await keepCurrentMinutes(open, id);
    await keepCurrentMinutes(open, id); // already kept: no second entry
    const events = (await record.history(id)).versions[0]!.events;
    expect(events.map((e) => e.action)).toEqual(['generated', 'kept']);
    expect(events[1]!.minutes?.overview).toBe('Édité avant.');
    await open.vault.lock();
  });

  it('submitted minutes cannot be restored over; a correction can take an older text back', async () => {
    const { open, record, id, generated, hooks } = await draftMeeting();
    await editMinutes(open, id, { ...generated, overview: 'Version soumise.' }, { hooks });
    await record.submit(id);
    expect((await rejection(restoreMinutes(open, id, { version: 1, event: 0 }))).code).toBe(
      'minutes-state',
    );
    await record.approve(id, { approver: 'Marie Dupont' });
    await record.correct(id, { reason: 'Revenir au texte rédigé' });
    // Version 1's approved text is the current one; its generated text is not.
    expect((await record.history(id)).restorable).toEqual([{ version: 1, event: 0 }]);
    await restoreMinutes(open, id, { version: 1, event: 0 });
    expect(((await open.meetings.getSummary(id)) as Minutes).overview).toBe(
      'Le conseil a adopté le budget.',
    );
    expect((await record.history(id)).restorable).toContainEqual({ version: 1 });
    await open.vault.lock();
  });
  it('a hand edit names an empty title or intervention, and trims every part it keeps', async () => {
    const { open, id, generated } = await draftMeeting();
    expect((await rejection(editMinutes(open, id, { ...generated, title: '  ' }))).code).toBe(
      'minutes-title-empty',
    );
    const badIntervention = { ...generated, interventions: [{ speaker: 'S2', summary: ' ' }] };
    expect((await rejection(editMinutes(open, id, badIntervention))).code).toBe(
      'minutes-intervention-empty',
    );
    const saved = await editMinutes(open, id, {
      ...generated,
      title: ' Conseil du 3 mars ',
      actionItems: [{ owner: 'Maire', task: 'Publier', due: '  ', segmentIds: [] }],
      interventions: [{ speaker: ' Mme Martin ', summary: ' Présente le budget. ' }],
    });
    expect(saved.title).toBe('Conseil du 3 mars');
    expect(saved.actionItems[0]).not.toHaveProperty('due');
    expect(saved.interventions).toEqual([
      { speaker: 'Mme Martin', summary: 'Présente le budget.' },
    ]);
    await open.vault.lock();
  });
});
