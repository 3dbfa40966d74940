import { open, type FileHandle } from 'node:fs/promises';
import { GreffierError } from '../errors.js';

/**
 * Bytes per block and values per block of the ggml tensor types whisper.cpp
 * files use. A type not listed stops the walk (the file is given the benefit
 * of the doubt: the engine has the last word).
 */
const TYPE_BLOCKS: Record<number, [values: number, bytes: number]> = {
  0: [1, 4], // f32
  1: [1, 2], // f16
  2: [32, 18], // q4_0
  3: [32, 20], // q4_1
  6: [32, 22], // q5_0
  7: [32, 24], // q5_1
  8: [32, 34], // q8_0
  9: [32, 36], // q8_1
  10: [256, 84], // q2_K
  11: [256, 110], // q3_K
  12: [256, 144], // q4_K
  13: [256, 176], // q5_K
  14: [256, 210], // q6_K
  15: [256, 292], // q8_K
  30: [1, 2], // bf16
};

const WINDOW = 1 << 20;

/** Reads a file front to back through a window, skipping what it need not see. */
class Cursor {
  private window = Buffer.alloc(0);
  private start = 0;
  pos = 0;
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}
  /** False when the file ends before `n` more bytes. */
  async has(n: number): Promise<boolean> {
    if (this.pos + n > this.size) return false;
    if (this.pos < this.start || this.pos + n > this.start + this.window.length) {
      const length = Math.min(Math.max(n, WINDOW), this.size - this.pos);
      this.window = Buffer.alloc(length);
      await this.handle.read(this.window, 0, length, this.pos);
      this.start = this.pos;
    }
    return true;
  }
  i32(): number {
    const value = this.window.readInt32LE(this.pos - this.start);
    this.pos += 4;
    return value;
  }
}

/**
 * Refuses a whisper.cpp model whose file ends before its last weight: a copy
 * cut short. whisper.cpp itself runs a file cut before its first tensor as an
 * "empty model" and transcribes garbage, so the import must catch it (the
 * walk: a 100 kB cut was made the default; every transcription then failed).
 * The layout: magic, 11 hyperparameters, mel filters, vocabulary, then each
 * tensor's header (dims, name length, type, sizes, name) and its data.
 * `shownAs` names the file in the error (the user's file, not Greffier's copy).
 */
export async function checkWhisperComplete(path: string, shownAs = path): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const at = new Cursor(handle, size);
    const cutShort = (where: string) =>
      new GreffierError('model-damaged', `${shownAs} is cut short (it ends in its ${where})`, {
        hint: 'copy the model again from the IT folder, and check its SHA-256 against the catalogue',
      });
    if (!(await at.has(4 + 11 * 4 + 8))) throw cutShort('header');
    at.pos += 4 + 11 * 4;
    const mels = at.i32();
    const bins = at.i32();
    at.pos += mels * bins * 4;
    if (!(await at.has(4))) throw cutShort('mel filters');
    const tokens = at.i32();
    for (let i = 0; i < tokens; i++) {
      if (!(await at.has(4))) throw cutShort('vocabulary');
      const length = at.i32();
      at.pos += length;
    }
    if (at.pos > size) throw cutShort('vocabulary');
    let tensors = 0;
    while (at.pos < size) {
      if (!(await at.has(12))) throw cutShort('weights');
      const dims = at.i32();
      const nameLength = at.i32();
      const type = at.i32();
      if (dims < 1 || dims > 4 || nameLength < 0 || !(await at.has(dims * 4))) {
        throw cutShort('weights');
      }
      let values = 1;
      for (let d = 0; d < dims; d++) values *= at.i32();
      const block = TYPE_BLOCKS[type];
      if (!block) return;
      at.pos += nameLength + (values / block[0]) * block[1];
      if (at.pos > size) throw cutShort('weights');
      tensors++;
    }
    if (tensors === 0) throw cutShort('vocabulary, before any weight');
  } finally {
    await handle.close();
  }
}
