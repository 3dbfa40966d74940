import type { Command } from '../command.js';

/**
 * What the dispatcher knows about a command before loading it: its words, its
 * one-line summary (for "greffier --help") and how to load its module. A module
 * is loaded only when one of its commands runs or shows its --help, so
 * "greffier transcribe" does not pay for node-llama-cpp, docx, the vault, etc.
 */
export interface CommandEntry {
  path: string[];
  summary: string;
  load(): Promise<Command>;
}

/** The command of a module whose path matches, among its exported commands and command lists. */
function commandIn(module: Record<string, unknown>, path: string[]): Command {
  const found = Object.values(module)
    .flat()
    .find(
      (value): value is Command =>
        typeof value === 'object' &&
        value !== null &&
        'run' in value &&
        (value as Command).path.join(' ') === path.join(' '),
    );
  // A registry/module mismatch is a bug of ours, caught by tests/unit/cli-registry.test.ts.
  if (!found) throw new Error(`no command "${path.join(' ')}" in its module`);
  return found;
}

function entry(
  words: string,
  summary: string,
  module: () => Promise<Record<string, unknown>>,
): CommandEntry {
  const path = words.split(' ');
  return { path, summary, load: async () => commandIn(await module(), path) };
}

const modules = {
  models: () => import('./models.js'),
  engine: () => import('./engine.js'),
  transcribe: () => import('./transcribe.js'),
  vault: () => import('./vault.js'),
  meetings: () => import('./meetings.js'),
  jobs: () => import('./jobs.js'),
  archive: () => import('./archive.js'),
  summarize: () => import('./summarize.js'),
  search: () => import('./search.js'),
  ask: () => import('./ask.js'),
  voices: () => import('./voices.js'),
};

/**
 * Every CLI command: its words, summary and module. Add yours here (the test
 * tests/unit/cli-registry.test.ts checks they match the module's command);
 * the dispatcher in ../main.ts selects by the longest matching word path.
 */
export const commands: CommandEntry[] = [
  entry(
    'models synth',
    'write generated test models (whisper + LLM) with seeded random weights',
    modules.models,
  ),
  entry(
    'models add',
    'verify a model file against the catalogue and make it the default for its kind',
    modules.models,
  ),
  entry(
    'models import',
    'verify and install every model file of a folder (e.g. a USB drive from IT)',
    modules.models,
  ),
  entry(
    'models list',
    'list the models installed in the vault and whether their files are unchanged',
    modules.models,
  ),
  entry(
    'models check',
    'compute the SHA-256 of every installed model again and report any change',
    modules.models,
  ),
  entry(
    'models catalogue',
    'show the models Greffier knows by checksum (what IT can provide)',
    modules.models,
  ),
  entry(
    'models vad',
    'say whether the installed VAD model skips silence, or turn it on or off',
    modules.models,
  ),
  entry(
    'engine build',
    'build the whisper.cpp engine (whisper-cli) from the bundled source',
    modules.engine,
  ),
  entry('engine status', 'show where whisper-cli is and what it was built from', modules.engine),
  entry('transcribe', 'transcribe a WAV recording with whisper.cpp', modules.transcribe),
  entry('vault init', 'create the encrypted vault (in GREFFIER_HOME)', modules.vault),
  entry('vault passwd', 'change the vault passphrase (rotates the master key)', modules.vault),
  entry('vault status', 'say whether a vault exists and how it is protected', modules.vault),
  entry(
    'vault restore-backup',
    'go back to the previous saved catalogue/transcripts after damage',
    modules.vault,
  ),
  entry('import', 'store a WAV recording as a meeting (and transcribe it)', modules.meetings),
  entry('list', 'list the meetings in the vault', modules.meetings),
  entry('show', 'show one meeting with its transcript', modules.meetings),
  entry('delete', 'delete a meeting for good (its key is destroyed first)', modules.meetings),
  entry('jobs', 'list transcription/summary jobs, or resume unfinished ones', modules.jobs),
  entry('export', 'export meetings to one encrypted archive (own passphrase)', modules.archive),
  entry(
    'import-archive',
    'import meetings from an archive (verified before anything changes)',
    modules.archive,
  ),
  entry('summarize', 'write the minutes of a meeting with the local model', modules.summarize),
  entry('search', 'search the recorded meetings', modules.search),
  entry('ask', 'answer a question (typed or spoken) from the recorded meetings', modules.ask),
  entry('speakers detect', 'tell the voices of a meeting apart (sherpa-onnx)', modules.voices),
  entry('voices list', 'list the remembered voices and their consent', modules.voices),
  entry('voices remember', "keep a named speaker's voice, with consent", modules.voices),
  entry('voices forget', 'forget a voice for good (consent withdrawn)', modules.voices),
  entry('voices suggestions', "remembered voices a meeting's speakers sound like", modules.voices),
  entry('voices confirm', 'accept a suggested voice for a speaker', modules.voices),
  entry('voices reject', 'reject a suggested voice for a speaker', modules.voices),
];
