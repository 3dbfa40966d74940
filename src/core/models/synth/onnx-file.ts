import protobuf from 'protobufjs';

/**
 * The small part of the ONNX format (onnx.proto, IR version 7) that a
 * generated model needs: a graph of nodes over named tensors, weights as
 * initializers, typed inputs and outputs, and the model's metadata (the
 * key/value pairs engines such as sherpa-onnx read their settings from).
 * Field numbers are the format's own; nothing else of onnx.proto is needed.
 */
const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } },
        },
        TypeProto: {
          fields: { tensorType: { type: 'TensorTypeProto', id: 1 } },
        },
        TensorTypeProto: {
          fields: {
            elemType: { type: 'int32', id: 1 },
            shape: { type: 'TensorShapeProto', id: 2 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
        },
        Dimension: {
          oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
          fields: {
            dimValue: { type: 'int64', id: 1 },
            dimParam: { type: 'string', id: 2 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(SCHEMA);
const ModelProto = root.lookupType('onnx.ModelProto');

const FLOAT = 1;
const INT64 = 7;
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

/** A named dimension (batch, frames) or a fixed size. */
export type Dim = number | string;

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, number | number[]>;
  /** Attributes that must be floats even when whole (epsilon, alpha). */
  floatAttributes?: Record<string, number>;
}

/** A graph input or output; float32 unless `int64` is set (token ids, lengths). */
export interface OnnxValue {
  name: string;
  dims: Dim[];
  int64?: boolean;
}

export interface OnnxGraph {
  name: string;
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  nodes: OnnxNode[];
  /** Weights: float32 tensors, or int64 ones (shapes, axes) when `int64` is set. */
  weights: { name: string; dims: number[]; data: Float32Array | BigInt64Array }[];
  metadata: Record<string, string | number>;
  opset?: number;
}

function valueInfo(value: OnnxValue) {
  return {
    name: value.name,
    type: {
      tensorType: {
        elemType: value.int64 ? INT64 : FLOAT,
        shape: {
          dim: value.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function attribute(name: string, value: number | number[], float: boolean) {
  if (Array.isArray(value)) return { name, ints: value, type: ATTRIBUTE_INTS };
  return float ? { name, f: value, type: ATTRIBUTE_FLOAT } : { name, i: value, type: ATTRIBUTE_INT };
}

/** The bytes of an ONNX model file for `graph` (little-endian raw tensor data, as the format says). */
export function encodeOnnx(graph: OnnxGraph): Uint8Array {
  const message = ModelProto.fromObject({
    irVersion: 7,
    producerName: 'greffier-synth',
    producerVersion: '1',
    docString: 'generated with seeded random weights for tests and benchmarks; says nothing',
    opsetImport: [{ domain: '', version: graph.opset ?? 13 }],
    metadataProps: Object.entries(graph.metadata).map(([key, value]) => ({
      key,
      value: String(value),
    })),
    graph: {
      name: graph.name,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: graph.weights.map((w) => ({
        name: w.name,
        dims: w.dims,
        dataType: w.data instanceof BigInt64Array ? INT64 : FLOAT,
        rawData: new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength),
      })),
      node: graph.nodes.map((node, i) => ({
        name: `${node.op}_${i}`,
        opType: node.op,
        input: node.inputs,
        output: node.outputs,
        attribute: [
          ...Object.entries(node.attributes ?? {}).map(([k, v]) => attribute(k, v, false)),
          ...Object.entries(node.floatAttributes ?? {}).map(([k, v]) => attribute(k, v, true)),
        ],
      })),
    },
  });
  return ModelProto.encode(message).finish();
}

/** Reads back an ONNX file's metadata (what engines read first), for checks and the catalogue. */
export function onnxMetadata(bytes: Uint8Array): Record<string, string> {
  const model = ModelProto.toObject(ModelProto.decode(bytes)) as {
    metadataProps?: { key: string; value: string }[];
  };
  return Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key, p.value]));
}

/**
 * Metadata entries as bytes that can be appended to an ONNX file: a protobuf
 * message's repeated field may arrive in several runs, so the file's own
 * bytes plus these read as the same model with these keys added. Used to make
 * a published voice loadable by sherpa-onnx without rewriting its weights.
 */
export function onnxMetadataBytes(metadata: Record<string, string | number>): Uint8Array {
  return ModelProto.encode(
    ModelProto.fromObject({
      metadataProps: Object.entries(metadata).map(([key, value]) => ({
        key,
        value: String(value),
      })),
    }),
  ).finish();
}
