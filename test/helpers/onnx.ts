import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

/** Decodes an exported model to look inside it. int64 fields may come back as `Long`: read them with `Number`. */
export function decodeOnnxModel(bytes: Uint8Array): OnnxTypes.ModelProto {
  return onnxProto.onnx.ModelProto.decode(bytes);
}
