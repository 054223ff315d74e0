import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { SllModel } from '../../kernels/model.ts';
import { ONNX_OPSET } from '../../kernels/onnx/onnxGraph.ts';
import { exportOnnx } from '../../kernels/onnx/exportOnnx.ts';
import { CliError } from '../errors.ts';
import { readWeightsFile } from '../io.ts';
import { NODE_BACKEND_USAGE, backendOption, startNodeBackend } from '../nodeBackend.ts';

export const EXPORT_FORMATS = ['onnx'] as const;

export const EXPORT_HELP = `Usage: sll-lab export --weights W.json --out model.onnx [--format onnx] [--backend ${NODE_BACKEND_USAGE}]

Writes a network for inference elsewhere. ONNX (opset ${ONNX_OPSET}): input "images" float32
[N, C, H, W] in [0, 1], output "logits" [N, classes]; the t-vectors are computed here, from the
weights, and folded into constants, so the graph holds only Conv, ConvTranspose, Relu, Gemm,
MatMul, AveragePool, Pad and elementwise ops.

Options:
  --weights FILE    sll-lab/weights v1 JSON
  --out FILE        where to write the model
  --format NAME     ${EXPORT_FORMATS.join(', ')} (default: from the extension of --out)
  --backend NAME    cpu (default), wasm or webgpu: where the t-vectors are computed
  -h, --help        show this help`;

function exportFormat(format: string | undefined, out: string): (typeof EXPORT_FORMATS)[number] {
  const name = format ?? extname(out).slice(1).toLowerCase();
  if ((EXPORT_FORMATS as readonly string[]).includes(name)) return name as (typeof EXPORT_FORMATS)[number];
  if (format === undefined) {
    throw new CliError(`cannot tell the format from "${out}": give --format (${EXPORT_FORMATS.join(', ')})`);
  }
  throw new CliError(`unknown --format "${format}" (available: ${EXPORT_FORMATS.join(', ')})`);
}

export async function runExport(argv: string[], out: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      weights: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      backend: { type: 'string', default: 'cpu' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out(EXPORT_HELP);
    return;
  }
  if (!values.weights) throw new CliError('--weights FILE is required');
  if (!values.out) throw new CliError('--out FILE is required');
  const format = exportFormat(values.format, values.out);
  const { arch, params } = await readWeightsFile(values.weights);
  const backend = (await startNodeBackend(backendOption(values.backend))).backend;

  const model = new SllModel(arch, params);
  let bytes: Uint8Array;
  try {
    bytes = await exportOnnx(model);
  } finally {
    model.dispose();
  }
  try {
    await writeFile(values.out, bytes);
  } catch (e) {
    throw new CliError(
      `cannot write ${values.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const layers = `${arch.nConv} SLL conv + ${arch.nDense} SLL dense layers`;
  out(
    `wrote ${values.out}: ${format.toUpperCase()} opset ${ONNX_OPSET}, ${bytes.length.toLocaleString('en-US')} bytes, ` +
      `${layers}, t-vectors folded (computed on ${backend})`,
  );
}
