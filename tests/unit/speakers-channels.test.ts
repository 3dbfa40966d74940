import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGreffier } from '../helpers/cli.js';
import {
  checkSeatPlan,
  chooseChannels,
  measureLevels,
  parseSeatPlan,
  seatTurns,
} from '../../src/core/speakers/channels.js';
import { importWav } from '../../src/core/meetings/transcription.js';
import { readNotes } from '../../src/core/meetings/notes.js';
import { readChannelLevels, redoChannelSpeakers } from '../../src/core/meetings/seats.js';
import type { ChannelSpeakers } from '../../src/core/meetings/seats.js';
import { speechToolsMissing } from '../helpers/fixtures.js';
import { agreement, chamber, chamberWav } from '../helpers/seats.js';
import { createTestVault, tempDir } from '../helpers/vault.js';

const missing = speechToolsMissing();
if (missing) console.warn(`skipping the spoken chamber tests: ${missing}`);

describe('seat plans', () => {
  it('reads "1=Mme Martin,2=M. Durand" and one seat per line', () => {
    expect(parseSeatPlan('1=Mme Martin, 2 = M. Durand')).toEqual([
      { channel: 1, name: 'Mme Martin' },
      { channel: 2, name: 'M. Durand' },
    ]);
    expect(parseSeatPlan('# salle du conseil\n1: La Présidente\n3=Le rapporteur\n')).toHaveLength(
      2,
    );
    expect(() => parseSeatPlan('Mme Martin')).toThrow(
      expect.objectContaining({ code: 'seats-bad' }),
    );
    expect(() => parseSeatPlan(' ')).toThrow(expect.objectContaining({ code: 'seats-bad' }));
  });

  it('refuses a mono recording, a channel the input lacks and a channel given twice', () => {
    const plan = [
      { channel: 1, name: 'A' },
      { channel: 2, name: 'B' },
    ];
    expect(() => checkSeatPlan(plan, 1)).toThrow(expect.objectContaining({ code: 'seats-mono' }));
    expect(() => checkSeatPlan([...plan, { channel: 3, name: 'C' }], 2)).toThrow(
      expect.objectContaining({
        code: 'seats-too-many',
        message: expect.stringContaining('channel 3 (C) but the recording has 2 channels'),
      }),
    );
    expect(() => checkSeatPlan([...plan, { channel: 2, name: 'C' }], 4)).toThrow(
      expect.objectContaining({ code: 'seats-duplicate' }),
    );
    expect(() => checkSeatPlan(plan, 2)).not.toThrow();
  });
});

describe.skipIf(missing)(
  'speakers from microphone channels (espeak-ng voices, -20 dB bleed)',
  () => {
    for (const [seats, turns] of [
      [2, 12],
      [4, 16],
      [8, 24],
    ] as const) {
      it(`${seats} channels: turns within 250 ms of the truth at least 95 % of the time`, () => {
        const room = chamber(seats, turns);
        const track = measureLevels(room.channels, room.sampleRate);
        const { turns: chosen, silent } = chooseChannels(track);
        const figure = agreement(room.truth, seatTurns(chosen), room.durationMs);
        console.log(
          `${seats} channels, ${turns} turns: ${(figure * 100).toFixed(1)} % of the time within 250 ms of the truth; ${chosen.length} turns found`,
        );
        expect(figure).toBeGreaterThanOrEqual(0.95);
        expect(silent).toEqual([]);
        // Every true turn has a chosen one within 250 ms.
        for (const truth of room.truth) {
          expect(
            seatTurns(chosen).some(
              (t) => t.speakerId === truth.speakerId && Math.abs(t.atMs - truth.atMs) <= 250,
            ),
            `turn of ${truth.speakerId} at ${truth.atMs} ms`,
          ).toBe(true);
        }
      });
    }

    it('gives the floor to no one on bleed alone and reports a microphone silent all meeting', () => {
      const room = chamber(2, 6);
      const off = new Float32Array(room.channels[0]!.length);
      const track = measureLevels([...room.channels, off], room.sampleRate);
      const { turns, silent } = chooseChannels(track);
      expect(silent).toEqual([2]);
      expect(new Set(turns.map((t) => t.channel))).toEqual(new Set([0, 1]));
    });

    it('gives a voice to its own seat when a close neighbour hears it only 10 dB lower', () => {
      // The same voice on two microphones: the louder one is its seat.
      const room = chamber(2, 8, -10);
      const { turns } = chooseChannels(measureLevels(room.channels, room.sampleRate));
      const figure = agreement(room.truth, seatTurns(turns), room.durationMs);
      console.log(`2 channels with -10 dB bleed: ${(figure * 100).toFixed(1)} % within 250 ms`);
      expect(figure).toBeGreaterThanOrEqual(0.95);
    });

    describe('an imported multi-channel WAV with a seat plan', () => {
      const dir = tempDir('greffier-seats-');
      afterAll(() => dir.remove());

      it('stores the mix, the level track and the turns; the roster has the seats; a redo agrees', async () => {
        const room = chamber(4, 8);
        const wav = chamberWav(room, join(dir.path, 'chamber.wav'));
        const open = await createTestVault(join(dir.path, 'vault'));
        let report: ChannelSpeakers | undefined;
        const seats = parseSeatPlan('1=Mme Martin,2=M. Durand,3=Mme Petit,4=M. Leroy');
        const meeting = await importWav(
          open.meetings,
          wav,
          { title: 'Conseil', language: 'fr', seats },
          { onChannels: (r) => (report = r) },
        );
        expect(report).toMatchObject({ turns: 8, silentChannels: [] });
        const stored = open.meetings.getMeeting(meeting.id);
        expect(stored.speakers.map((s) => s.name).sort()).toEqual([
          'M. Durand',
          'M. Leroy',
          'Mme Martin',
          'Mme Petit',
        ]);
        expect(stored.audio?.channels).toBe(1);
        const { turns } = await readNotes(open.meetings, meeting.id);
        expect(agreement(room.truth, turns, room.durationMs)).toBeGreaterThanOrEqual(0.95);
        const levels = await readChannelLevels(open.meetings, meeting.id);
        const perHour = (levels!.track.levels.length / room.durationMs) * 3_600_000 * 2;
        console.log(
          `level track: ${levels!.track.levels.length} bytes for ${(room.durationMs / 1000).toFixed(1)} s of 4 channels; 8 channels ≈ ${(perHour / 1e6).toFixed(2)} MB per hour (all channels as 16 kHz PCM: ${((8 * 32000 * 3600) / 1e6).toFixed(0)} MB)`,
        );
        expect(levels!.seats).toEqual(seats);
        // A corrected plan: channel 4 is someone else; the turns are the same, the name changes.
        const again = await redoChannelSpeakers(open.meetings, meeting.id, [
          ...seats.slice(0, 3),
          { channel: 4, name: 'Mme Roux' },
        ]);
        expect(again.turns).toBe(8);
        expect((await readNotes(open.meetings, meeting.id)).turns).toEqual(turns);
        expect(
          open.meetings.getMeeting(meeting.id).speakers.find((s) => s.id === 'ch4')?.name,
        ).toBe('Mme Roux');
        open.vault.lock();
      });

      it('refuses a seat plan on a mono recording before anything is stored', async () => {
        const room = chamber(2, 2);
        const mono = chamberWav(
          { ...room, channels: [room.channels[0]!] },
          join(dir.path, 'mono.wav'),
        );
        const open = await createTestVault(join(dir.path, 'vault-mono'));
        await expect(
          importWav(open.meetings, mono, { title: 'Mono', seats: parseSeatPlan('1=A,2=B') }),
        ).rejects.toMatchObject({ code: 'seats-mono' });
        expect(open.meetings.list()).toEqual([]);
        open.vault.lock();
      });
    });
  },
);

describe.skipIf(missing)('greffier import --seats', () => {
  const home = tempDir('greffier-seats-cli-');
  afterAll(() => home.remove());

  it('names the speakers from the seat plan, says which microphone stayed silent, refuses a plan too big', async () => {
    const env = { ...process.env, GREFFIER_HOME: join(home.path, 'home') };
    const pass = join(home.path, 'pass');
    writeFileSync(pass, 'une phrase secrète assez longue pour le coffre\n');
    expect((await runGreffier(env, ['vault', 'init', '--passphrase-file', pass])).code).toBe(0);
    const room = chamber(2, 4);
    const wav = chamberWav(
      { ...room, channels: [...room.channels, new Float32Array(room.channels[0]!.length)] },
      join(home.path, 'three.wav'),
    );
    const plan = join(home.path, 'plan.txt');
    writeFileSync(plan, '1=Mme Martin\n2=M. Durand\n3=Mme Petit\n');
    const ok = await runGreffier(env, [
      'import',
      wav,
      '--title',
      'Conseil',
      '--seats',
      plan,
      '--passphrase-file',
      pass,
    ]);
    expect(ok.stderr).toMatch(/channel 3 is silent for the whole meeting/);
    const id = ok.stdout.trim();
    const shown = await runGreffier(env, ['show', id, '--json', '--passphrase-file', pass]);
    const meeting = JSON.parse(shown.stdout) as { speakers: { name: string }[] };
    expect(meeting.speakers.map((s) => s.name)).toEqual(
      expect.arrayContaining(['Mme Martin', 'M. Durand', 'Mme Petit']),
    );
    const tooMany = await runGreffier(env, [
      'import',
      wav,
      '--title',
      'Trop',
      '--seats',
      '1=A,2=B,5=E',
      '--passphrase-file',
      pass,
    ]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/names channel 5 \(E\) but the recording has 3 channels/);
  });
});
