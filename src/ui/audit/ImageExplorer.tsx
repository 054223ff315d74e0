import { useMemo, useState } from 'react';
import {
  type ExplorerFilter,
  type Verdict,
  matchingIndices,
  neighbourMatch,
  testSetSize,
} from '../../store/auditFilters.ts';
import { epsLabel } from '../format.ts';
import { useLab } from '../lab.ts';
import { InspectionView } from './InspectionView.tsx';

const VERDICTS: Verdict[] = ['certified', 'correct', 'wrong'];

function filterName(f: ExplorerFilter, epsSteps: number): string {
  if (f === 'all') return 'every test image';
  if (f === 'certified') return `certified at ${epsLabel(epsSteps)}`;
  return f === 'correct' ? 'correct but not certified' : 'wrong';
}

/**
 * Opens any test image, or steps through the latest evaluation's certified, correct-but-not-certified
 * or wrong images at the slider's eps, and shows the open one.
 */
export function ImageExplorer() {
  const latest = useLab((s) => s.evaluations.findLast((e) => e.radii.length > 0));
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const hasModel = useLab((s) => s.modelConfig !== null);
  const size = useLab((s) => testSetSize(s.modelConfig?.dataset ?? s.settings.dataset, s.importedDatasets));
  const inspection = useLab((s) => s.audit.inspection);
  const inspecting = useLab((s) => s.audit.inspecting);
  const inspectImage = useLab((s) => s.inspectImage);
  const [filter, setFilter] = useState<ExplorerFilter>('all');
  const [typed, setTyped] = useState('0');
  const [problem, setProblem] = useState<string | null>(null);

  const matches = useMemo(() => {
    const eps = epsSteps / 255;
    return Object.fromEntries(
      VERDICTS.map((v) => [v, latest ? matchingIndices(latest, v, eps) : []]),
    ) as Record<Verdict, number[]>;
  }, [latest, epsSteps]);

  const current = inspecting?.index ?? inspection?.value.index ?? null;
  const open = (index: number) => {
    setProblem(null);
    setTyped(String(index));
    inspectImage(index);
  };
  const step = (direction: -1 | 1) => {
    const from = current ?? -1;
    const next =
      filter === 'all'
        ? Math.min(size - 1, Math.max(0, from + direction))
        : neighbourMatch(matches[filter], from, direction);
    if (next !== null) open(next);
  };
  const openTyped = () => {
    const index = Number(typed);
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      setProblem(`Enter a test index from 0 to ${(size - 1).toLocaleString('en-US')}.`);
      return;
    }
    open(index);
  };
  const matchCount = filter === 'all' ? null : matches[filter].length;
  return (
    <section className="panel explorer" aria-label="Image explorer" data-testid="explorer">
      <h2>Image explorer</h2>
      <form
        className="explorer-controls"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          openTyped();
        }}
      >
        <label>
          Test image
          <input
            type="number"
            min={0}
            max={size - 1}
            step={1}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            data-testid="explorer-index"
          />
        </label>
        <button type="submit" aria-disabled={!hasModel} disabled={!hasModel} data-testid="explorer-open">
          Open
        </button>
        <label>
          Show
          <select
            value={filter}
            data-testid="explorer-filter"
            onChange={(e) => {
              const f = e.target.value as ExplorerFilter;
              setFilter(f);
              const first = f === 'all' ? null : matches[f][0];
              if (hasModel && first !== undefined && first !== null) open(first);
            }}
          >
            {(['all', ...VERDICTS] as ExplorerFilter[]).map((f) => (
              <option key={f} value={f}>
                {filterName(f, epsSteps)}
                {f === 'all' ? '' : ` (${matches[f].length})`}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => step(-1)} disabled={!hasModel} data-testid="explorer-prev">
          ← Previous
        </button>
        <button type="button" onClick={() => step(1)} disabled={!hasModel} data-testid="explorer-next">
          Next →
        </button>
      </form>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <p className="note" data-testid="explorer-status">
        {!hasModel
          ? 'Train or load a model, then open a test image (or click one below).'
          : matchCount === null
            ? `${size.toLocaleString('en-US')} test images; click one below or enter its index.`
            : latest
              ? `${matchCount.toLocaleString('en-US')} ${filterName(filter, epsSteps)} among the first ${latest.n.toLocaleString('en-US')} test images (evaluation at step ${latest.step}).`
              : 'The filters need an evaluation with its radii: wait for the next one.'}
      </p>
      {inspecting ? (
        <p className="note" role="status">
          Inspecting test image #{inspecting.index}…
        </p>
      ) : null}
      {inspection ? <InspectionView inspection={inspection} /> : null}
    </section>
  );
}
