import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGreffier } from '../helpers/cli.js';
import { tempDir } from '../helpers/vault.js';

// The speaker models are installed like the others: kind read from the ONNX
// metadata, copied, verified; unconfirmed files need --trust-unlisted as today.
describe('greffier models synth/add with the ONNX speaker models', () => {
  const home = tempDir('greffier-speaker-models-');
  afterAll(() => home.remove());

  it('writes them, installs them by the kind their metadata says, refuses them as another kind', async () => {
    const env = { ...process.env, GREFFIER_HOME: join(home.path, 'home') };
    const pass = join(home.path, 'pass');
    writeFileSync(pass, 'une phrase secrète assez longue pour le coffre\n');
    expect((await runGreffier(env, ['vault', 'init', '--passphrase-file', pass])).code).toBe(0);
    const synth = await runGreffier(env, ['models', 'synth', '--out', join(home.path, 'm')]);
    const [, , segmentation, voiceprint] = synth.stdout.trim().split('\n');
    const refused = await runGreffier(env, [
      'models',
      'add',
      voiceprint!,
      '--kind',
      'voiceprint',
      '--passphrase-file',
      pass,
    ]);
    // Not in the catalogue with a confirmed checksum: refused unless trusted, as for every kind.
    expect(refused.code).not.toBe(0);
    // A folder import reads each file's kind from its ONNX metadata.
    const imported = await runGreffier(env, [
      'models',
      'import',
      dirname(segmentation!),
      '--trust-unlisted',
      '--passphrase-file',
      pass,
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    const list = await runGreffier(env, ['models', 'list', '--json', '--passphrase-file', pass]);
    expect(list.stdout).toMatch(/"kind": ?"segmentation"/);
    expect(list.stdout).toMatch(/"kind": ?"voiceprint"/);
    const wrong = await runGreffier(env, [
      'models',
      'add',
      segmentation!,
      '--kind',
      'llm',
      '--trust-unlisted',
      '--passphrase-file',
      pass,
    ]);
    expect(wrong.code).not.toBe(0);
  });
});
