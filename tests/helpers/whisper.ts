import { ensureWhisperCli } from '../../src/core/asr/engine.js';

let built: Promise<string> | undefined;

/**
 * The real whisper-cli, built once from the bundled whisper.cpp source into
 * engines/whisper/ (a few minutes the first time, instant afterwards; parallel
 * test files wait for one build). Use it in a beforeAll with a long timeout.
 */
export function whisperCli(): Promise<string> {
  built ??= ensureWhisperCli({
    onLog: (line) => {
      if (/^greffier:/.test(line)) console.warn(line);
    },
  });
  return built;
}
