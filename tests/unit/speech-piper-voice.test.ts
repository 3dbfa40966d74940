import { describe, expect, it } from 'vitest';
import { voiceConfig } from '../../src/core/models/synth/voice-model.js';
import { piperMetadata, piperTokens, type PiperConfig } from '../../src/core/speech/piper-voice.js';

// What Greffier derives from a Piper voice's .onnx.json for sherpa-onnx.
describe('a Piper voice made loadable by sherpa', () => {
  const config = voiceConfig() as unknown as PiperConfig;

  it('writes tokens.txt with the pad, begin and end symbols and the space as its id alone', () => {
    const lines = piperTokens(config).trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual(['_ 0', '^ 1', '$ 2', ' 3']);
    expect(lines).toContain('ʁ ' + config.phoneme_id_map['ʁ']![0]);
  });

  it('leaves out symbols sherpa cannot read (line breaks, tabs, several characters)', () => {
    const tokens = piperTokens({
      ...config,
      phoneme_id_map: { _: [0], '\n': [1], '\t': [2], ab: [3], ' ': [4], '\r': [5] },
    });
    expect(tokens).toBe('_ 0\n 4\n');
  });

  it('gives the metadata keys sherpa reads without a default', () => {
    expect(piperMetadata(config)).toMatchObject({
      comment: 'piper',
      sample_rate: 22050,
      n_speakers: 1,
      language: 'French',
      voice: 'fr',
    });
  });
});
