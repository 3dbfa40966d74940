// Child of the final-pass kill -9 test (final-pass.test.ts): it records a
// meeting the way the app does — each one-second chunk journalled, then
// handed to the meeting's final-quality pass — and prints each window the
// pass finishes (its index and lines) until the parent kills it.
import { readFileSync } from 'node:fs';
import { openVault } from '../../src/core/meetings/index.js';
import { FinalPass } from '../../src/core/meetings/final-pass.js';
import { Scheduler } from '../../src/core/scheduler/index.js';

const [dir, passphrase, model, whisperCli, audio] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const say = (line: string) => process.stdout.write(`${line}\n`);

const { meetings } = await openVault(dir, Buffer.from(passphrase), { autoLockMinutes: 0 });
const samples = new Int16Array(new Uint8Array(readFileSync(audio).subarray(44)).buffer);
const meeting = await meetings.create({ title: 'Séance interrompue', language: 'fr' });
say(`meeting ${meeting.id}`);
const pass = new FinalPass(meetings, meeting.id, {
  model,
  whisperCli,
  language: 'fr',
  threads: 1,
  scheduler: new Scheduler(),
  onWindow: (window) => {
    // Its span first: the parent checks the restarted pass starts where this one stopped.
    say(`span ${window.index} ${window.fromMs} ${window.toMs} ${window.carriedMs}`);
    say(
      `window ${window.index} ${JSON.stringify(window.segments.map((s) => [s.id, s.startMs, s.text]))}`,
    );
  },
});
// The recording goes on (a few times over the file) until the parent kills this process.
for (let round = 0; ; round++) {
  for (let from = 0; from < samples.length; from += 16_000) {
    const chunk = samples.slice(from, Math.min(samples.length, from + 16_000));
    await meetings.appendAudio(meeting.id, chunk);
    pass.push(chunk);
    // Do not run ahead of the pass by more than two windows: the kill lands mid-meeting.
    await pass.ready(2);
  }
  say(`round ${round}`);
}
