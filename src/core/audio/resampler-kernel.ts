/**
 * The resampler's inner loop in WebAssembly (issue 15): the dot product of
 * the input history with one phase of the filter, for a run of outputs.
 *
 * It computes exactly what the JavaScript loop in resampler.ts computes, in
 * the same order, so the samples are the same bit for bit: each float32 is
 * widened to a double, products are exact in double, and four running sums
 * (taps 0, 1, 2, 3 modulo 4) are kept in two f64x2 registers; leftover taps
 * go into the first sum, and the result is (s0 + s1) + (s2 + s3) rounded to
 * float32. SIMD does two taps per instruction where V8's JavaScript does one.
 *
 * The module is a few hundred bytes written out below (no toolchain, no
 * file to ship); where WebAssembly SIMD is missing, the JavaScript loop runs.
 */

/** Unsigned LEB128, as WebAssembly encodes integers in its binary format. */
function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

// Instructions used below.
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_DIV_U = 0x6e;
const I32_REM_U = 0x70;
const I32_SHL = 0x74;
const I32_GE_U = 0x4f;
const I32_CONST = 0x41;
const F64_ADD = 0xa0;
const F64_MUL = 0xa2;
const F64_PROMOTE_F32 = 0xbb;
const F32_DEMOTE_F64 = 0xb6;
const F32_LOAD = 0x2a;
const F32_STORE = 0x38;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const VOID = 0x40;
const SIMD = 0xfd;
const V128_CONST = [SIMD, ...leb(0x0c)];
const V128_LOAD64_ZERO = [SIMD, ...leb(0x5d), 3, 0];
const F64X2_PROMOTE_LOW_F32X4 = [SIMD, ...leb(0x5f)];
const F64X2_ADD = [SIMD, ...leb(0xf0)];
const F64X2_MUL = [SIMD, ...leb(0xf2)];
const F64X2_EXTRACT_LANE = [SIMD, ...leb(0x21)];

// run(input, table, out, count, phase, up, down, taps, unrolled): parameters (byte pointers, counts).
const [INPUT, TABLE, OUT, COUNT, PHASE, UP, DOWN, TAPS, UNROLLED] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
// Locals after them.
const [K, I, ROW, V0, V1, A0] = [9, 10, 11, 12, 13, 14];

const get = (local: number) => [LOCAL_GET, local];
const set = (local: number) => [LOCAL_SET, local];
const i32 = (value: number) => [I32_CONST, ...leb(value)];
/** Two float32 at `base + I + offset`, widened to an f64x2. */
const pair = (base: number, offset: number) => [
  ...get(base),
  ...get(I),
  I32_ADD,
  ...V128_LOAD64_ZERO.slice(0, 2),
  3,
  ...leb(offset),
  ...F64X2_PROMOTE_LOW_F32X4,
];
const accumulate = (acc: number, offset: number) => [
  ...get(acc),
  ...pair(INPUT, offset),
  ...pair(ROW, offset),
  ...F64X2_MUL,
  ...F64X2_ADD,
  ...set(acc),
];
const lane = (vector: number, index: number) => [...get(vector), ...F64X2_EXTRACT_LANE, index];
const widened = (base: number) => [
  ...get(base),
  ...get(I),
  I32_ADD,
  F32_LOAD,
  2,
  0,
  F64_PROMOTE_F32,
];

const body = [
  // Locals: k, i, row (i32); v0, v1 (v128); a0 (f64).
  3,
  3,
  I32,
  2,
  V128,
  1,
  F64,
  // Taps and the unrolled part as byte lengths.
  ...get(TAPS),
  ...i32(2),
  I32_SHL,
  ...set(TAPS),
  ...get(UNROLLED),
  ...i32(2),
  I32_SHL,
  ...set(UNROLLED),
  BLOCK,
  VOID,
  LOOP,
  VOID,
  ...get(K),
  ...get(COUNT),
  I32_GE_U,
  BR_IF,
  1,
  // row = table + phase × taps bytes
  ...get(TABLE),
  ...get(PHASE),
  ...get(TAPS),
  I32_MUL,
  I32_ADD,
  ...set(ROW),
  ...V128_CONST,
  ...new Array<number>(16).fill(0),
  LOCAL_TEE,
  V0,
  ...set(V1),
  ...i32(0),
  ...set(I),
  BLOCK,
  VOID,
  LOOP,
  VOID,
  ...get(I),
  ...get(UNROLLED),
  I32_GE_U,
  BR_IF,
  1,
  ...accumulate(V0, 0),
  ...accumulate(V1, 8),
  ...get(I),
  ...i32(16),
  I32_ADD,
  ...set(I),
  BR,
  0,
  END,
  END,
  ...lane(V0, 0),
  ...set(A0),
  BLOCK,
  VOID,
  LOOP,
  VOID,
  ...get(I),
  ...get(TAPS),
  I32_GE_U,
  BR_IF,
  1,
  ...get(A0),
  ...widened(INPUT),
  ...widened(ROW),
  F64_MUL,
  F64_ADD,
  ...set(A0),
  ...get(I),
  ...i32(4),
  I32_ADD,
  ...set(I),
  BR,
  0,
  END,
  END,
  // out[k] = float32((a0 + a1) + (a2 + a3))
  ...get(OUT),
  ...get(K),
  ...i32(2),
  I32_SHL,
  I32_ADD,
  ...get(A0),
  ...lane(V0, 1),
  F64_ADD,
  ...lane(V1, 0),
  ...lane(V1, 1),
  F64_ADD,
  F64_ADD,
  F32_DEMOTE_F64,
  F32_STORE,
  2,
  0,
  // phase += down; input advances phase / up samples; phase %= up
  ...get(PHASE),
  ...get(DOWN),
  I32_ADD,
  ...set(PHASE),
  ...get(INPUT),
  ...get(PHASE),
  ...get(UP),
  I32_DIV_U,
  ...i32(2),
  I32_SHL,
  I32_ADD,
  ...set(INPUT),
  ...get(PHASE),
  ...get(UP),
  I32_REM_U,
  ...set(PHASE),
  ...get(K),
  ...i32(1),
  I32_ADD,
  ...set(K),
  BR,
  0,
  END,
  END,
  END,
];

const moduleBytes = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  // type 0: (i32 × 9) → ()
  ...section(1, [1, 0x60, 9, ...new Array<number>(9).fill(I32), 0]),
  ...section(3, [1, 0]),
  // one memory, one page to start, grown by the caller
  ...section(5, [1, 0, 1]),
  ...section(7, [
    2,
    3,
    ...[0x72, 0x75, 0x6e], // "run"
    0,
    0,
    6,
    ...[0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79], // "memory"
    2,
    0,
  ]),
  ...section(10, [1, ...leb(body.length), ...body]),
]);

/** The few WebAssembly calls used here (the project's TypeScript libraries do not declare them). */
interface Wasm {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly?: Wasm }).WebAssembly;

export interface KernelInstance {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  run(
    input: number,
    table: number,
    out: number,
    count: number,
    phase: number,
    up: number,
    down: number,
    taps: number,
    unrolled: number,
  ): void;
}

let compiled: object | null | undefined;

/**
 * The compiled module, or undefined where WebAssembly SIMD is not available
 * (a worker thread is handed it to make its own instance).
 */
export function kernelModule(): object | undefined {
  if (compiled === undefined) {
    try {
      compiled = wasm?.validate(moduleBytes) ? new wasm.Module(moduleBytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled ?? undefined;
}

/** A fresh instance (its own memory), or undefined where WebAssembly SIMD is not available. */
export function kernelInstance(): KernelInstance | undefined {
  const module = kernelModule();
  return module ? (new wasm!.Instance(module).exports as KernelInstance) : undefined;
}
