import { UsageError, GreffierError } from '../../core/errors.js';
import { appendAudit } from '../../core/audit/index.js';
import { finalDecoding } from '../../core/asr/index.js';
import { machinePolicy } from '../../core/policy.js';
import type { FinalDecodingChoice } from '../../shared/meetings.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';
import { PASS, passOption, withVault } from '../vault-session.js';

function onOff(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'on' && value !== 'off') throw new UsageError(`${flag} takes on or off`);
  return value === 'on';
}

export const modelsDecodingCommand: Command = {
  path: ['models', 'decoding'],
  summary: 'show or choose how the final transcript decodes (fast or accurate)',
  usage: `
Usage: greffier models decoding [fast|accurate] [--fallback on|off]
                                [--flash-attention on|off] [--passphrase-file FILE]

The final transcript (during a recording, and for imports) decodes "fast" by
default: greedy decoding that decodes an uncertain stretch again at higher
temperatures. "accurate" uses beam search with 5 beams, about twice the
computing per hour of audio (figures: docs/architecture.md). Without an
argument: the decoding in force. A machine policy's "finalDecoding" wins and
cannot be changed here.

Options:
  --fallback on|off          decode an uncertain stretch again (default on)
  --flash-attention on|off   whisper.cpp's flash attention (default on)
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      fallback: { type: 'string' },
      'flash-attention': { type: 'string' },
      ...passOption,
    });
    const [mode, extra] = positionals;
    if (extra !== undefined || (mode !== undefined && mode !== 'fast' && mode !== 'accurate')) {
      throw new UsageError('models decoding takes fast or accurate (or nothing to see it)');
    }
    const choice: FinalDecodingChoice = {
      ...(mode ? { beamSize: mode === 'accurate' ? 5 : 1 } : {}),
    };
    const fallback = onOff(values.fallback, '--fallback');
    const flash = onOff(values['flash-attention'], '--flash-attention');
    if (fallback !== undefined) choice.fallback = fallback;
    if (flash !== undefined) choice.flashAttention = flash;
    const policy = machinePolicy(io.env);
    const changing = Object.keys(choice).length > 0;
    if (changing && policy.finalDecoding) {
      throw new GreffierError(
        'policy-enforced',
        "the final transcription's decoding is set by this machine's policy",
        { hint: 'ask your IT administrator to change it' },
      );
    }
    const settings = await withVault(io, values['passphrase-file'], async (vault) => {
      if (!changing) return vault.getSettings();
      const updated = await vault.updateSettings({
        finalDecoding: { ...vault.getSettings().finalDecoding, ...choice },
      });
      await appendAudit(vault, {
        action: 'settings.changed',
        details: { finalDecoding: JSON.stringify(updated.finalDecoding) },
      });
      return updated;
    });
    const used = finalDecoding(settings, policy);
    writeLine(
      io.stdout,
      `decoding ${used.beamSize > 1 ? `accurate (beam search, ${used.beamSize})` : 'fast (greedy)'}, fallback ${used.fallback ? 'on' : 'off'}, flash attention ${used.flashAttention ? 'on' : 'off'}${policy.finalDecoding ? ' (set by the machine policy)' : ''}`,
    );
  },
};
