import { useId } from 'react';
import { PRESET_NAMES } from '../sll/arch.ts';
import { LOSS_NAMES, type LossName } from '../sll/lossNames.ts';
import { LIMITS, type Settings } from '../store/settings.ts';
import { BACKEND_NAMES, type BackendChoice } from '../sll/backendNames.ts';
import { epsLabel } from './format.ts';
import { useLab } from './lab.ts';

function Slider(props: {
  label: string;
  testId: string;
  value: number;
  min: number;
  max: number;
  display?: string;
  onChange: (v: number) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label} <output htmlFor={id}>{props.display ?? props.value}</output>
      </label>
      <input
        id={id}
        type="range"
        data-testid={props.testId}
        min={props.min}
        max={props.max}
        step={1}
        value={props.value}
        onChange={(e) => props.onChange(Number(e.target.value))}
      />
    </div>
  );
}

function NumberField(props: {
  label: string;
  value: number;
  min: number;
  max?: number;
  step?: number | 'any';
  onChange: (v: number) => void;
}) {
  const id = useId();
  return (
    <div className="field inline">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="number"
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        value={props.value}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (e.target.validity.valid && Number.isFinite(v)) props.onChange(v);
        }}
      />
    </div>
  );
}

function Select<T extends string>(props: {
  label: string;
  testId?: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (v: T) => void;
}) {
  const id = useId();
  return (
    <div className="field inline">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        data-testid={props.testId}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value as T)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Controls() {
  const s = useLab((st) => st.settings);
  const update = useLab((st) => st.updateSettings);
  const choosePreset = useLab((st) => st.choosePreset);
  const imported = useLab((st) => st.importedDatasets);
  const set =
    <K extends keyof Settings>(key: K) =>
    (value: Settings[K]) =>
      update({ [key]: value } as Partial<Settings>);
  const datasets = [
    { value: 'cifar10', label: 'CIFAR-10 (shipped)' },
    ...imported.map((d) => ({ value: d.id, label: `${d.name.toUpperCase()} (imported: ${d.source})` })),
  ];
  return (
    <section className="panel controls" aria-label="Settings">
      <h2>Network and recipe</h2>
      <Select
        label="Dataset"
        testId="dataset-select"
        value={s.dataset}
        options={datasets}
        onChange={set('dataset')}
      />
      <Select
        label="Preset"
        testId="preset-select"
        value={s.preset}
        options={PRESET_NAMES.map((p) => ({ value: p, label: p }))}
        onChange={choosePreset}
      />
      <Slider
        label="Conv layers"
        testId="depth-conv-slider"
        {...LIMITS.nConv}
        value={s.nConv}
        onChange={set('nConv')}
      />
      <Slider
        label="Dense layers"
        testId="depth-dense-slider"
        {...LIMITS.nDense}
        value={s.nDense}
        onChange={set('nDense')}
      />
      <Slider label="Width" testId="width-slider" {...LIMITS.width} value={s.width} onChange={set('width')} />
      <Slider
        label="Epsilon"
        testId="eps-slider"
        {...LIMITS.epsSteps}
        value={s.epsSteps}
        display={`${epsLabel(s.epsSteps)} = ${(s.epsSteps / 255).toFixed(3)}`}
        onChange={set('epsSteps')}
      />
      <div className="grid2">
        <NumberField
          label="Learning rate"
          value={s.learningRate}
          min={0.00001}
          max={10}
          step="any"
          onChange={set('learningRate')}
        />
        <NumberField
          label="Batch size"
          value={s.batchSize}
          {...LIMITS.batchSize}
          onChange={set('batchSize')}
        />
        <NumberField label="Epochs" value={s.epochs} {...LIMITS.epochs} onChange={set('epochs')} />
        <NumberField label="Seed" value={s.seed} min={0} onChange={set('seed')} />
        <Select
          label="Loss"
          value={s.loss}
          options={LOSS_NAMES.map((l) => ({ value: l as LossName, label: l }))}
          onChange={set('loss')}
        />
        <Select
          label="Backend"
          value={s.backend}
          options={(['auto', ...BACKEND_NAMES] as BackendChoice[]).map((b) => ({ value: b, label: b }))}
          onChange={set('backend')}
        />
      </div>
      <div className="field check">
        <input
          id="augment"
          type="checkbox"
          checked={s.augment}
          onChange={(e) => set('augment')(e.target.checked)}
        />
        <label htmlFor="augment">Augmentation (crop, flip, colour jitter)</label>
      </div>
      <details>
        <summary>Evaluation and data</summary>
        <div className="grid2">
          <NumberField
            label="Train images (0 = all)"
            value={s.trainImages}
            {...LIMITS.trainImages}
            onChange={set('trainImages')}
          />
          <NumberField
            label="Test images per evaluation"
            value={s.evalImages}
            {...LIMITS.evalImages}
            onChange={set('evalImages')}
          />
          <NumberField
            label="Evaluate every (steps)"
            value={s.evalEvery}
            {...LIMITS.evalEvery}
            onChange={set('evalEvery')}
          />
        </div>
      </details>
    </section>
  );
}
