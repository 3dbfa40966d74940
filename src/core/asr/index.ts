export * from './engine.js';
export * from './model-file.js';
export * from './whisper.js';
export { parseWhisperJson, repairWhisperJson } from './whisper-json.js';
export * from './decoding.js';
export * from './windows.js';
