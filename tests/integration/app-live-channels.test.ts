import { afterAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { floatToInt16 } from '../../src/core/audio/pcm.js';
import { readChannelLevels } from '../../src/core/meetings/seats.js';
import { readNotes } from '../../src/core/meetings/notes.js';
import { measureLevels } from '../../src/core/speakers/channels.js';
import type { CallName } from '../../src/shared/api.js';
import { speechToolsMissing } from '../helpers/fixtures.js';
import { agreement, chamber } from '../helpers/seats.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';
import { callOk } from '../helpers/app-api.js';

// Issue 13, a recording from a multi-channel input through the app service
// (what Electron and the browser host run): chunks of the mix with each
// channel's levels, as the capture worklet sends them; the live speaker
// follows the loudest seat and the journal keeps the level track.
const skip = speechToolsMissing();
if (skip) console.warn(`the live channels test is skipped: ${skip}`);

describe.skipIf(skip !== undefined)('recording from a 2-channel input', () => {
  const dir = tempDir('greffier-live-channels-');
  const service = new AppService({ home: dir.path, kdf: TEST_KDF });
  const speakers: { name: string; atMs: number }[] = [];
  service.dispatcher.onEvent((event, payload) => {
    if (event === 'live.speaker') speakers.push(payload as { name: string; atMs: number });
  });
  afterAll(async () => {
    await service.close();
    dir.remove();
  });
  const call = <N extends CallName>(name: N, input: unknown) => callOk(service, name, input);

  it('refuses a seat the input does not have, then follows the loudest seat live', async () => {
    await call('vault.create', { passphrase: 'une phrase secrète assez longue' });
    await expect(
      call('recording.start', {
        title: 'Conseil',
        language: 'fr',
        speakers: [],
        channels: 2,
        seats: [{ channel: 3, name: 'Mme Petit' }],
      }),
    ).rejects.toMatchObject({ code: 'seats-too-many' });
    const seats = [
      { channel: 1, name: 'Mme Martin' },
      { channel: 2, name: 'M. Durand' },
    ];
    const { meetingId } = await call('recording.start', {
      title: 'Conseil',
      language: 'fr',
      speakers: [],
      channels: 2,
      seats,
    });
    const room = chamber(2, 6);
    const length = room.channels[0]!.length;
    for (let from = 0, seq = 0; from < length; from += 16_000, seq++) {
      const to = Math.min(length, from + 16_000);
      const parts = room.channels.map((c) => c.subarray(from, to));
      const mix = new Float32Array(to - from);
      for (const part of parts) for (let i = 0; i < mix.length; i++) mix[i]! += part[i]! / 2;
      const pcm = floatToInt16(mix);
      const levels = measureLevels(parts, 16_000).levels;
      await call('recording.append', {
        meetingId,
        seq,
        pcm: Buffer.from(pcm.buffer).toString('base64'),
        levels: Buffer.from(levels).toString('base64'),
      });
    }
    console.log(`live speakers: ${JSON.stringify(speakers)}`);
    expect(speakers.map((s) => s.name)).toEqual([
      'Mme Martin',
      'M. Durand',
      'Mme Martin',
      'M. Durand',
      'Mme Martin',
      'M. Durand',
    ]);
    speakers.forEach((s, i) =>
      expect(Math.abs(s.atMs - room.truth[i]!.atMs)).toBeLessThanOrEqual(250),
    );
    await call('recording.stop', { meetingId });
    const open = (service as unknown as { session: { vault: { meetings: never } } }).session.vault;
    const { turns } = await readNotes(open.meetings, meetingId);
    expect(agreement(room.truth, turns, room.durationMs)).toBeGreaterThanOrEqual(0.95);
    const stored = await readChannelLevels(open.meetings, meetingId);
    expect(stored?.seats).toEqual(seats);
    expect(stored?.track.channels).toBe(2);
  });
});
