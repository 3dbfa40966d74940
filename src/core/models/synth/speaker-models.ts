import { writeFileSync } from 'node:fs';
import { encodeOnnx, type OnnxGraph } from './onnx-file.js';
import { SeededRandom } from './random.js';

/**
 * Generated speaker models in the shapes sherpa-onnx loads: a pyannote-style
 * segmentation model (10 s windows of raw 16 kHz audio in, per-frame
 * powerset class scores out) and a 3D-Speaker-style embedding model (80-band
 * filter-bank frames in, one voice vector out), with the inputs, outputs and
 * metadata keys the engine reads. The weights come from a seed, so tests and
 * benchmarks run the real engine without a downloaded model; the labels
 * they give follow pitch bands and spectral shape, not real voices.
 */

export interface SegmentationShape {
  /** Samples per window (pyannote segmentation-3.0: 10 s at 16 kHz). */
  windowSize: number;
  receptiveFieldSize: number;
  receptiveFieldShift: number;
}

/** The window and frame geometry of pyannote segmentation-3.0. */
export const PYANNOTE_SEGMENTATION_SHAPE: SegmentationShape = {
  windowSize: 160_000,
  receptiveFieldSize: 991,
  receptiveFieldShift: 270,
};

/** 3D-Speaker CAM++ gives 192-dimensional voice vectors. */
export const EMBEDDING_DIM = 192;
const FBANK_BANDS = 80;
const SAMPLE_RATE = 16_000;
/** Three local speakers, at most two at once: 1 + 3 + 3 powerset classes. */
const NUM_SPEAKERS = 3;
const NUM_CLASSES = 7;

/**
 * Segmentation: each single-speaker class is a band filter (a windowed
 * cosine at a seeded pitch-range frequency, one receptive field long); a
 * frame's class is the band with most energy, or "nobody" below a level.
 * Overlap classes never win, so every frame has at most one local speaker.
 */
export function segmentationGraph(seed: number, shape = PYANNOTE_SEGMENTATION_SHAPE): OnnxGraph {
  const random = new SeededRandom(seed);
  const k = shape.receptiveFieldSize;
  const filters = new Float32Array(NUM_CLASSES * k);
  for (let c = 1; c <= NUM_SPEAKERS; c++) {
    // Bands spread over voice pitch and first harmonics (90–420 Hz), jittered by the seed.
    const hz = 90 + (c - 1) * 110 + random.nextFloat() * 40;
    const phase = random.nextFloat() * 2 * Math.PI;
    for (let i = 0; i < k; i++) {
      const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (k - 1));
      filters[c * k + i] =
        (hann * Math.cos((2 * Math.PI * hz * i) / SAMPLE_RATE + phase)) / Math.sqrt(k);
    }
  }
  const eps = 1e-10;
  // "Nobody" wins unless a band's energy passes 1e-5 (about -50 dBFS in the band).
  const offsets = new Float32Array(NUM_CLASSES);
  offsets[0] = Math.log(1e-5) - Math.log(eps);
  const frames = Math.floor((shape.windowSize - k) / shape.receptiveFieldShift) + 1;
  return {
    name: 'greffier-synth-segmentation',
    inputs: [{ name: 'x', dims: ['N', 1, shape.windowSize] }],
    outputs: [{ name: 'y', dims: ['N', frames, NUM_CLASSES] }],
    weights: [
      { name: 'filters', dims: [NUM_CLASSES, 1, k], data: filters },
      { name: 'eps', dims: [1], data: new Float32Array([eps]) },
      { name: 'offsets', dims: [1, NUM_CLASSES, 1], data: offsets },
    ],
    nodes: [
      {
        op: 'Conv',
        inputs: ['x', 'filters'],
        outputs: ['bands'],
        attributes: { kernel_shape: [k], strides: [shape.receptiveFieldShift] },
      },
      { op: 'Mul', inputs: ['bands', 'bands'], outputs: ['energy'] },
      { op: 'Add', inputs: ['energy', 'eps'], outputs: ['energy_eps'] },
      { op: 'Log', inputs: ['energy_eps'], outputs: ['log_energy'] },
      { op: 'Add', inputs: ['log_energy', 'offsets'], outputs: ['scores'] },
      {
        op: 'Transpose',
        inputs: ['scores'],
        outputs: ['frame_scores'],
        attributes: { perm: [0, 2, 1] },
      },
      { op: 'LogSoftmax', inputs: ['frame_scores'], outputs: ['y'], attributes: { axis: -1 } },
    ],
    metadata: {
      model_type: 'pyannote-segmentation-3.0',
      sample_rate: SAMPLE_RATE,
      window_size: shape.windowSize,
      receptive_field_size: k,
      receptive_field_shift: shape.receptiveFieldShift,
      num_speakers: NUM_SPEAKERS,
      powerset_max_classes: 2,
      num_classes: NUM_CLASSES,
      comment: 'greffier generated model, seeded weights',
    },
  };
}

/**
 * Embedding: the filter-bank frames averaged over time, centred across
 * bands (the spectral shape of the voice, not its loudness), then a seeded
 * random projection to 192 dimensions.
 */
export function embeddingGraph(seed: number, dim = EMBEDDING_DIM): OnnxGraph {
  const random = new SeededRandom(seed);
  const projection = new Float32Array(FBANK_BANDS * dim);
  for (let i = 0; i < projection.length; i++) projection[i] = random.nextNormal(1 / Math.sqrt(dim));
  return {
    name: 'greffier-synth-embedding',
    inputs: [{ name: 'x', dims: ['N', 'T', FBANK_BANDS] }],
    outputs: [{ name: 'embedding', dims: ['N', dim] }],
    weights: [{ name: 'projection', dims: [FBANK_BANDS, dim], data: projection }],
    nodes: [
      {
        op: 'ReduceMean',
        inputs: ['x'],
        outputs: ['mean'],
        attributes: { axes: [1], keepdims: 0 },
      },
      {
        op: 'ReduceMean',
        inputs: ['mean'],
        outputs: ['level'],
        attributes: { axes: [1], keepdims: 1 },
      },
      { op: 'Sub', inputs: ['mean', 'level'], outputs: ['shape'] },
      { op: 'MatMul', inputs: ['shape', 'projection'], outputs: ['embedding'] },
    ],
    metadata: {
      framework: '3d-speaker',
      model_type: 'cam++',
      output_dim: dim,
      sample_rate: SAMPLE_RATE,
      normalize_samples: 1,
      language: 'French',
      comment: 'greffier generated model, seeded weights',
    },
  };
}

export const SPEAKER_SYNTH_FILES = {
  segmentation: 'segmentation-synth.onnx',
  embedding: 'speaker-embedding-synth.onnx',
} as const;

/** Writes both generated speaker models; same seed, same bytes. */
export function writeSpeakerModels(
  paths: { segmentation: string; embedding: string },
  seed: number,
): void {
  writeFileSync(paths.segmentation, encodeOnnx(segmentationGraph(seed)));
  // Its own seed, so the two files share no weights.
  writeFileSync(paths.embedding, encodeOnnx(embeddingGraph(seed + 7919)));
}
