import { useId, useState } from 'react';
import { useLab } from './lab.ts';

/** Weights download and upload, and CIFAR archive import. Parsing happens in the worker. */
export function FilesPanel() {
  const download = useLab((s) => s.downloadWeights);
  const downloadOnnx = useLab((s) => s.downloadOnnx);
  const loadWeights = useLab((s) => s.loadWeights);
  const importDataset = useLab((s) => s.importDataset);
  const evaluateFull = useLab((s) => s.evaluateFull);
  // A model exists once it has trained a step, been evaluated, or come from a file.
  const hasModel = useLab(
    (s) =>
      s.modelConfig !== null && (s.step > 0 || s.evaluations.length > 0 || s.modelSource?.kind === 'file'),
  );
  const running = useLab((s) => s.runState === 'running' || s.runState === 'loading');
  const [note, setNote] = useState<string | null>(null);
  const weightsId = useId();
  const archiveId = useId();
  return (
    <section className="panel files" aria-label="Files">
      <h2>Weights and data</h2>
      <div className="buttons">
        <button data-testid="download-weights" disabled={!hasModel} onClick={() => download()}>
          Download weights (JSON)
        </button>
        <button
          data-testid="download-checkpoint"
          disabled={!hasModel}
          onClick={() => download(true)}
          title="The weights with Adam's state: loading this file continues training exactly"
        >
          Download checkpoint (JSON + Adam)
        </button>
        <button data-testid="download-onnx" disabled={!hasModel} onClick={downloadOnnx}>
          Download ONNX
        </button>
        <button disabled={!hasModel || running} onClick={evaluateFull}>
          Evaluate on all 10,000
        </button>
      </div>
      <div className="field">
        <label htmlFor={weightsId}>Load weights (sll-lab/weights JSON or a PyTorch .pth checkpoint)</label>
        <input
          id={weightsId}
          data-testid="load-weights"
          type="file"
          accept=".json,.pth,.pt,application/json"
          disabled={running}
          onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (!file) return;
            setNote(`loading ${file.name}…`);
            loadWeights(new Uint8Array(await file.arrayBuffer()));
            setNote(null);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={archiveId}>Import cifar-10/100-binary.tar.gz or its .bin files</label>
        <input
          id={archiveId}
          data-testid="import-dataset"
          type="file"
          multiple
          accept=".gz,.tgz,.tar,.bin"
          onChange={async (e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length === 0) return;
            setNote(`reading ${files.map((f) => f.name).join(', ')}…`);
            const read = await Promise.all(
              files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
            );
            importDataset(read);
            setNote(null);
          }}
        />
      </div>
      {note ? <p className="note">{note}</p> : null}
    </section>
  );
}
