// Child process of the kill -9 loop (tests/integration/crash.test.ts): it
// opens the vault (which recovers what the previous child left), resumes
// queued jobs, then records and transcribes short meetings until killed.
// Every line it prints is an acknowledgement the parent checks afterwards.
import { openVault } from '../../src/core/meetings/index.js';
import { vaultModelSource } from '../../src/core/models/source.js';
import { meetingPipeline } from '../../src/core/pipeline/pipeline.js';
import { syntheticChunk } from '../helpers/vault.js';

const [dir, passphrase, model, whisperCli] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const say = (line: string) => process.stdout.write(`${line}\n`);

const { vault, meetings, jobs } = await openVault(dir, Buffer.from(passphrase), {
  autoLockMinutes: 0,
});
say(`open ${JSON.stringify(vault.lastRecovery)}`);
const handlers = meetingPipeline({
  models: vaultModelSource({ vault }, { explicit: { asr: model } }),
  host: () => {
    throw new Error('no language model in the crash loop');
  },
  engine: { whisperCli },
  threads: 1,
});
for (const job of jobs.pending()) {
  say(`resume ${job.id}`);
  const done = await jobs.run(job.id, handlers);
  say(`job ${done.id} ${done.state}`);
}
for (let n = 0; ; n++) {
  const meeting = await meetings.create({ title: `Zanzibar crash meeting ${n}`, language: 'fr' });
  say(`meeting ${meeting.id}`);
  const chunks = 2 + Math.floor(Math.random() * 5);
  for (let i = 0; i < chunks; i++) {
    say(`sent ${meeting.id} ${i}`);
    await meetings.appendAudio(meeting.id, syntheticChunk(i));
    say(`ack ${meeting.id} ${i}`);
  }
  await meetings.finish(meeting.id);
  say(`finished ${meeting.id}`);
  const job = await jobs.enqueue('transcribe', meeting.id, { language: 'fr' });
  say(`queued ${job.id}`);
  const done = await jobs.run(job.id, handlers);
  say(`job ${done.id} ${done.state}`);
}
