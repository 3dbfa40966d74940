import { describe, expect, it } from 'vitest';
import { ChannelChooser, byteLevel, levelByte } from '../../src/core/speakers/channels.js';

/** Frames of levels (dBFS per channel), pushed one by one; the turns that came out. */
function run(frames: number[][], channels = frames[0]!.length) {
  const chooser = new ChannelChooser(channels, 50);
  const turns: { channel: number; atMs: number }[] = [];
  for (const frame of frames) {
    const turn = chooser.push(frame);
    if (turn) turns.push(turn);
  }
  return { turns, silent: chooser.silentChannels() };
}

const QUIET = -70;
const repeat = (frame: number[], n: number) => Array.from({ length: n }, () => frame);

describe('the channel chooser', () => {
  it('stores levels in half-decibel bytes, silence as the lowest', () => {
    expect(byteLevel(levelByte(-20.3))).toBe(-20.5);
    expect(levelByte(-Infinity)).toBe(255);
    expect(levelByte(0)).toBe(0);
  });

  it('gives the floor to the first speaker at once, dated from the frame it began', () => {
    const { turns } = run([...repeat([QUIET, QUIET], 20), ...repeat([-20, -40], 10)]);
    expect(turns).toEqual([{ channel: 0, atMs: 1000 }]);
  });

  it('does not let a cough (two frames) take the floor', () => {
    const { turns } = run([
      ...repeat([QUIET, QUIET], 20),
      ...repeat([-20, -40], 10),
      ...repeat([-40, -15], 2),
      ...repeat([-20, -40], 10),
    ]);
    expect(turns).toEqual([{ channel: 0, atMs: 1000 }]);
  });

  it('hands the floor over after three frames, dated from the first of them', () => {
    const { turns } = run([
      ...repeat([QUIET, QUIET], 20),
      ...repeat([-20, -40], 10),
      ...repeat([QUIET, QUIET], 4),
      ...repeat([-40, -20], 10),
    ]);
    expect(turns).toEqual([
      { channel: 0, atMs: 1000 },
      { channel: 1, atMs: 1700 },
    ]);
  });

  it('keeps the floor with the holder while another is only a little louder (two people at once)', () => {
    const { turns } = run([
      ...repeat([QUIET, QUIET], 20),
      ...repeat([-20, -40], 10),
      ...repeat([-22, -18], 20),
    ]);
    expect(turns).toEqual([{ channel: 0, atMs: 1000 }]);
  });

  it('holds the floor through silence and reports a channel that never spoke', () => {
    const { turns, silent } = run([
      ...repeat([QUIET, QUIET, QUIET], 20),
      ...repeat([-20, -40, QUIET], 10),
      ...repeat([QUIET, QUIET, QUIET], 40),
      ...repeat([-40, -20, QUIET], 10),
    ]);
    expect(turns.map((t) => t.channel)).toEqual([0, 1]);
    expect(silent).toEqual([2]);
  });
});
