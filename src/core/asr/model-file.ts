import { open } from 'node:fs/promises';
import { GreffierError } from '../errors.js';

export type GgmlFileKind = 'whisper' | 'vad' | 'gguf' | 'onnx' | 'empty' | 'other';

/** Header fields of a whisper.cpp model, read without loading it. */
export interface WhisperModelHeader {
  nVocab: number;
  nAudioState: number;
  nAudioLayer: number;
  nTextLayer: number;
  multilingual: boolean;
}

const GGML_MAGIC = 0x67676d6c;

/**
 * Tells the model files apart from their first bytes: a whisper model and
 * whisper.cpp's Silero VAD share the ggml magic, but the VAD file goes on
 * with a short length-prefixed name ("silero-16k") where a whisper model has
 * its vocabulary size.
 */
export function classifyModelBytes(head: Buffer): GgmlFileKind {
  if (head.length === 0) return 'empty';
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'GGUF') return 'gguf';
  if (looksLikeOnnx(head)) return 'onnx';
  if (head.length < 8 || head.readUInt32LE(0) !== GGML_MAGIC) return 'other';
  const second = head.readInt32LE(4);
  if (second > 0 && second < 64 && head.length >= 8 + second) {
    const name = head.toString('latin1', 8, 8 + second);
    if (/^[\x20-\x7e]+$/.test(name)) return 'vad';
  }
  return head.length >= 48 ? 'whisper' : 'other';
}

/**
 * An ONNX model is a protobuf ModelProto that starts with its IR version
 * (field 1, a small varint) followed by another field of the model
 * (producer name, domain, graph…).
 */
function looksLikeOnnx(head: Buffer): boolean {
  return (
    head.length >= 4 &&
    head[0] === 0x08 &&
    head[1]! >= 3 &&
    head[1]! <= 20 &&
    [0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42].includes(head[2]!)
  );
}

async function readHead(path: string, flag: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GreffierError(
      'model-missing',
      code === 'ENOENT'
        ? `The model file ${path} given to ${flag} does not exist`
        : `The model file ${path} given to ${flag} cannot be read (${code})`,
      { hint: 'check the path, or list the installed models with "greffier models list"' },
    );
  }
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, 64, 0);
    return head.subarray(0, bytesRead);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GreffierError(
      'model-missing',
      code === 'EISDIR'
        ? `${path} given to ${flag} is a folder, not a model file`
        : `The model file ${path} given to ${flag} cannot be read (${code})`,
      { hint: 'give the path of the model file itself' },
    );
  } finally {
    await handle.close();
  }
}

function describe(kind: GgmlFileKind): string {
  switch (kind) {
    case 'gguf':
      return 'a GGUF language model (for summaries and answers), not a whisper model';
    case 'vad':
      return 'a Silero voice-activity (VAD) model, not a whisper model';
    case 'empty':
      return 'empty (0 bytes)';
    default:
      return 'not a whisper.cpp model (unknown contents)';
  }
}

/** Refuses anything but a whisper.cpp ggml model, naming what the file is instead. */
export async function checkWhisperModel(
  path: string,
  flag = '--asr-model',
): Promise<WhisperModelHeader> {
  const head = await readHead(path, flag);
  const kind = classifyModelBytes(head);
  if (kind !== 'whisper') {
    throw new GreffierError('model-wrong-kind', `${path} is ${describe(kind)}`, {
      hint: `give ${flag} a whisper.cpp model such as ggml-base.bin (or a generated one: "greffier models synth --out DIR")`,
    });
  }
  const nVocab = head.readInt32LE(4);
  const header: WhisperModelHeader = {
    nVocab,
    nAudioState: head.readInt32LE(12),
    nAudioLayer: head.readInt32LE(20),
    nTextLayer: head.readInt32LE(36),
    multilingual: nVocab >= 51865,
  };
  if (nVocab < 1000 || header.nAudioState < 1 || header.nAudioLayer < 1) {
    throw new GreffierError('model-wrong-kind', `${path} has a damaged whisper header`, {
      hint: 'fetch the model again and check its SHA-256 against the catalogue',
    });
  }
  return header;
}

/** Refuses anything but whisper.cpp's ggml Silero VAD model. */
export async function checkVadModel(path: string, flag = '--vad-model'): Promise<void> {
  const head = await readHead(path, flag);
  const kind = classifyModelBytes(head);
  if (kind !== 'vad') {
    const what =
      kind === 'whisper'
        ? 'a whisper speech-recognition model, not a VAD model'
        : kind === 'gguf'
          ? 'a GGUF language model, not a VAD model'
          : kind === 'empty'
            ? 'empty (0 bytes)'
            : 'not a whisper.cpp VAD model (unknown contents)';
    throw new GreffierError('model-wrong-kind', `${path} is ${what}`, {
      hint: `give ${flag} whisper.cpp's Silero VAD model, e.g. ggml-silero-v6.2.0.bin`,
    });
  }
}
