/**
 * A small ONNX graph builder: float32 / int64 initializers stored as little-endian `raw_data`, nodes
 * with int, ints and float attributes, and encoding to `ModelProto` bytes with onnx-proto's generated
 * protobufjs classes (a CommonJS module, hence the default import, which Node, tsx and Vite all accept).
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

/** IR version 8 with opset 17: what Debian's onnx 1.12 checks and onnxruntime-web 1.30 runs. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

export type AttributeValue = number | number[] | { float: number };

/** A dimension: a fixed size or a symbolic name (such as the batch, `N`). */
export type Dim = number | string;

export interface ModelInfo {
  producerName: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer`);
    return { name, type: AttributeType.INT, i: value };
  }
  return { name, type: AttributeType.FLOAT, f: value.float };
}

function tensorType(dims: readonly Dim[]): OnnxTypes.ITypeProto {
  return {
    tensorType: {
      elemType: onnx.TensorProto.DataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  };
}

export class OnnxGraph {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly name: string) {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph: the name ${name} is used twice`);
    this.names.add(name);
    return name;
  }

  /** A float32 graph input. */
  input(name: string, dims: readonly Dim[], docString?: string): string {
    this.inputs.push({ name: this.claim(name), type: tensorType(dims), docString });
    return name;
  }

  /** Declares an already produced value as a float32 graph output. */
  output(name: string, dims: readonly Dim[], docString?: string): void {
    this.outputs.push({ name, type: tensorType(dims), docString });
  }

  /** A float32 constant; `values` are rounded to float32. */
  floatConstant(
    name: string,
    dims: readonly number[],
    values: ArrayLike<number>,
    docString?: string,
  ): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) {
      throw new Error(`ONNX initializer ${name}: ${values.length} values for shape [${dims.join(', ')}]`);
    }
    this.initializers.push({
      name: this.claim(name),
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims: [...dims],
      rawData: float32Bytes(values),
      docString,
    });
    return name;
  }

  /** An int64 constant of one dimension (shapes, pads). */
  int64Constant(name: string, values: readonly number[]): string {
    this.initializers.push({
      name: this.claim(name),
      dataType: onnx.TensorProto.DataType.INT64,
      dims: [values.length],
      rawData: int64Bytes(values),
    });
    return name;
  }

  /** Adds a node of the default domain; its single output is named `output`. */
  node(
    opType: string,
    name: string,
    inputs: readonly string[],
    output: string,
    attributes: Record<string, AttributeValue> = {},
  ): string {
    this.nodes.push({
      name,
      opType,
      input: [...inputs],
      output: [this.claim(output)],
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** The encoded `ModelProto`, in a buffer of its own. */
  encode(info: ModelInfo): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: info.producerName,
      producerVersion: info.producerVersion,
      docString: info.docString,
      metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    // protobufjs returns a Buffer from a shared pool in Node: copy, so `.buffer` is exactly the model.
    return new Uint8Array(onnx.ModelProto.encode(model).finish());
  }
}
