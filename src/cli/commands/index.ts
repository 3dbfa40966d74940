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
  decoding: () => import('./decoding.js'),
  engine: () => import('./engine.js'),
  transcribe: () => import('./transcribe.js'),
  vault: () => import('./vault.js'),
  meetings: () => import('./meetings.js'),
  jobs: () => import('./jobs.js'),
  archive: () => import('./archive.js'),
  summarize: () => import('./summarize.js'),
  search: () => import('./search.js'),
  ask: () => import('./ask.js'),
  record: () => import('./record.js'),
  templates: () => import('./templates.js'),
  audit: () => import('./audit.js'),
  retention: () => import('./retention.js'),
  redact: () => import('./redact.js'),
  release: () => import('./release.js'),
  audio: () => import('./audio.js'),
  voices: () => import('./voices.js'),
  speech: () => import('./speech.js'),
};

/**
 * Every CLI command: its words, summary and module. Add yours here (the test
 * tests/unit/cli-registry.test.ts checks they match the module's command);
 * the dispatcher in ../main.ts selects by the longest matching word path.
 */
export const commands: CommandEntry[] = [
  entry(
    'models synth',
    'write generated test models (whisper, LLM, speakers, voice) with seeded random weights',
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
    'models decoding',
    'show or choose how the final transcript decodes (fast or accurate)',
    modules.decoding,
  ),
  entry(
    'engine build',
    'build the whisper.cpp engine (whisper-cli) from the bundled source',
    modules.engine,
  ),
  entry('engine status', 'show where whisper-cli is and what it was built from', modules.engine),
  entry(
    'transcribe',
    'transcribe a recording (WAV, MP3, FLAC, Ogg, WebM) with whisper.cpp',
    modules.transcribe,
  ),
  entry('vault init', 'create the encrypted vault (in GREFFIER_HOME)', modules.vault),
  entry('vault passwd', 'change the vault passphrase (rotates the master key)', modules.vault),
  entry('vault status', 'say whether a vault exists and how it is protected', modules.vault),
  entry(
    'vault restore-backup',
    'go back to the previous saved catalogue/transcripts after damage',
    modules.vault,
  ),
  entry(
    'import',
    'store a recording (WAV, MP3, FLAC, Ogg, WebM) as a meeting and transcribe it',
    modules.meetings,
  ),
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
  entry('minutes submit', 'submit the minutes of a meeting for approval', modules.record),
  entry('minutes approve', 'approve submitted minutes and sign them (Ed25519)', modules.record),
  entry('minutes return', 'return submitted minutes to the clerk with a comment', modules.record),
  entry(
    'minutes correct',
    'correct approved minutes as a new version with a reason',
    modules.record,
  ),
  entry(
    'minutes edit',
    'save draft or returned minutes edited by hand (JSON file)',
    modules.record,
  ),
  entry(
    'minutes restore',
    'put an earlier text of draft or returned minutes back (from the history)',
    modules.record,
  ),
  entry(
    'minutes history',
    'show the versions of the minutes: who, when, what changed',
    modules.record,
  ),
  entry(
    'minutes export',
    'export minutes as PDF, DOCX or Markdown, signed when approved',
    modules.record,
  ),
  entry(
    'verify',
    'check a signed export (PDF, DOCX, Markdown) against its .sig.json, offline',
    modules.record,
  ),
  entry('keys create', 'create an approver Ed25519 key pair in the vault', modules.record),
  entry('keys list', "list the approvers' keys (fingerprints)", modules.record),
  entry('keys export', "write an approver's public key (PEM)", modules.record),
  entry(
    'templates list',
    'list the minutes templates (built-in and the vault’s own)',
    modules.templates,
  ),
  entry('templates show', 'print a minutes template as JSON', modules.templates),
  entry('templates copy', 'copy a minutes template into the vault to edit it', modules.templates),
  entry(
    'templates save',
    'save an edited minutes template (JSON file) in the vault',
    modules.templates,
  ),
  entry('templates remove', 'remove one of the vault’s own templates', modules.templates),
  entry(
    'audit show',
    'list the audit trail (who did what with the record, and when)',
    modules.audit,
  ),
  entry(
    'audit verify',
    'check that no audit entry was changed, removed or reordered',
    modules.audit,
  ),
  entry(
    'retention show',
    "preview what retention would delete now (or one meeting's rule and hold)",
    modules.retention,
  ),
  entry(
    'retention apply',
    'delete what retention rules say is due (crypto-shredding), or --dry-run',
    modules.retention,
  ),
  entry('retention set', "set a meeting's own retention rule (days per part)", modules.retention),
  entry(
    'retention hold',
    'put a meeting under legal hold (no retention deletion), or --off',
    modules.retention,
  ),
  entry(
    'redact',
    'hide names and numbers of a meeting from exports and answers (suggest, add, list, remove, erase)',
    modules.redact,
  ),
  entry(
    'release bundle',
    'write a signed offline bundle (installers, models, SBOM, licences, verify.mjs)',
    modules.release,
  ),
  entry(
    'release verify',
    'check a bundle: signature, then every file (changed, missing, extra)',
    modules.release,
  ),
  entry('release keygen', 'write a new Ed25519 key pair for signing bundles', modules.release),
  entry(
    'audio probe',
    'say what an audio file is (format, codec, rate, channels, duration) and whether Greffier imports it',
    modules.audio,
  ),
  entry(
    'audio convert',
    'convert an audio file to a 16 kHz mono 16-bit WAV (what whisper reads)',
    modules.audio,
  ),
  entry('speakers detect', 'tell the voices of a meeting apart (sherpa-onnx)', modules.voices),
  entry('voices list', 'list the remembered voices and their consent', modules.voices),
  entry('voices remember', "keep a named speaker's voice, with consent", modules.voices),
  entry('voices forget', 'forget a voice for good (consent withdrawn)', modules.voices),
  entry('voices suggestions', "remembered voices a meeting's speakers sound like", modules.voices),
  entry('voices confirm', 'accept a suggested voice for a speaker', modules.voices),
  entry('voices reject', 'reject a suggested voice for a speaker', modules.voices),
  entry(
    'say',
    'read a text aloud with an offline neural voice (Piper) into a WAV file',
    modules.speech,
  ),
];
