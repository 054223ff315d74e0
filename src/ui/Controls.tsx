import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PRESET_NAMES, type PresetName } from '../sll/arch.ts';
import { LOSS_NAMES, type LossName } from '../sll/lossNames.ts';
import { LIMITS, type Settings, isPresetShape } from '../store/settings.ts';
import { BACKEND_NAMES, type BackendChoice } from '../sll/backendNames.ts';
import { type RunSetting, pendingSettings } from '../store/pending.ts';
import { epsLabel } from './format.ts';
import { useLab } from './lab.ts';

/**
 * A setting whose value describes another network or recipe than the model in training: it applies
 * to the next new run (ArchitectureSummary shows that network), so the control says so.
 */
function PendingTag(props: { pending?: boolean }) {
  return props.pending ? (
    <span className="pending-tag" title="applies to the next new run, not to the model in training">
      pending
    </span>
  ) : null;
}

function Slider(props: {
  label: string;
  testId: string;
  value: number;
  min: number;
  max: number;
  display?: string;
  /** What a screen reader says for the value, e.g. "4 conv layers" or "36/255 = 0.141". */
  valueText: string;
  pending?: boolean;
  onChange: (v: number) => void;
}) {
  const id = useId();
  return (
    <div className={props.pending ? 'field pending' : 'field'} data-pending={props.pending || undefined}>
      <label htmlFor={id}>
        {props.label} <output htmlFor={id}>{props.display ?? props.value}</output>{' '}
        <PendingTag pending={props.pending} />
      </label>
      <input
        id={id}
        type="range"
        data-testid={props.testId}
        min={props.min}
        max={props.max}
        step={1}
        value={props.value}
        aria-valuetext={props.valueText}
        onChange={(e) => props.onChange(Number(e.target.value))}
      />
    </div>
  );
}

/** "1 conv layer", "4 conv layers". */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The preset box: the preset, or "custom" once the sliders no longer describe it (not choosable). */
function presetOptions(s: Settings): { value: PresetName | 'custom'; label: string; disabled?: boolean }[] {
  const presets = PRESET_NAMES.map((p) => ({ value: p, label: p }));
  if (isPresetShape(s)) return presets;
  return [...presets, { value: 'custom', label: `custom (from ${s.preset})`, disabled: true }];
}

function NumberField(props: {
  label: string;
  value: number;
  min: number;
  max?: number;
  step?: number | 'any';
  pending?: boolean;
  onChange: (v: number) => void;
}) {
  const id = useId();
  return (
    <div
      className={props.pending ? 'field inline pending' : 'field inline'}
      data-pending={props.pending || undefined}
    >
      <label htmlFor={id}>
        {props.label} <PendingTag pending={props.pending} />
      </label>
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
  options: readonly { value: T; label: string; disabled?: boolean }[];
  pending?: boolean;
  onChange: (v: T) => void;
}) {
  const id = useId();
  return (
    <div
      className={props.pending ? 'field inline pending' : 'field inline'}
      data-pending={props.pending || undefined}
    >
      <label htmlFor={id}>
        {props.label} <PendingTag pending={props.pending} />
      </label>
      <select
        id={id}
        data-testid={props.testId}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value as T)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
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
  const pendingList = useLab(useShallow((st) => pendingSettings(st.settings, st.modelConfig)));
  const pending = (key: RunSetting) => pendingList.includes(key);
  const set =
    <K extends keyof Settings>(key: K) =>
    (value: Settings[K]) =>
      update({ [key]: value } as Partial<Settings>);
  const epsText = `${epsLabel(s.epsSteps)} = ${(s.epsSteps / 255).toFixed(3)}`;
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
        pending={pending('dataset')}
        onChange={set('dataset')}
      />
      <Select<PresetName | 'custom'>
        label="Preset"
        testId="preset-select"
        value={isPresetShape(s) ? s.preset : 'custom'}
        options={presetOptions(s)}
        onChange={(p) => {
          if (p !== 'custom') choosePreset(p);
        }}
      />
      <Slider
        label="Conv layers"
        testId="depth-conv-slider"
        {...LIMITS.nConv}
        value={s.nConv}
        pending={pending('nConv')}
        valueText={count(s.nConv, 'conv layer', 'conv layers')}
        onChange={set('nConv')}
      />
      <Slider
        label="Dense layers"
        testId="depth-dense-slider"
        {...LIMITS.nDense}
        value={s.nDense}
        pending={pending('nDense')}
        valueText={count(s.nDense, 'dense layer', 'dense layers')}
        onChange={set('nDense')}
      />
      <Slider
        label="Width"
        testId="width-slider"
        {...LIMITS.width}
        value={s.width}
        pending={pending('width')}
        valueText={count(s.width, 'channel', 'channels')}
        onChange={set('width')}
      />
      <Slider
        label="Epsilon"
        testId="eps-slider"
        {...LIMITS.epsSteps}
        value={s.epsSteps}
        display={epsText}
        valueText={epsText}
        onChange={set('epsSteps')}
      />
      <div className="grid2">
        <NumberField
          label="Learning rate"
          value={s.learningRate}
          min={0.00001}
          max={10}
          step="any"
          pending={pending('learningRate')}
          onChange={set('learningRate')}
        />
        <NumberField
          label="Batch size"
          value={s.batchSize}
          {...LIMITS.batchSize}
          pending={pending('batchSize')}
          onChange={set('batchSize')}
        />
        <NumberField
          label="Epochs"
          value={s.epochs}
          {...LIMITS.epochs}
          pending={pending('epochs')}
          onChange={set('epochs')}
        />
        <NumberField label="Seed" value={s.seed} min={0} pending={pending('seed')} onChange={set('seed')} />
        <Select
          label="Loss"
          value={s.loss}
          options={LOSS_NAMES.map((l) => ({ value: l as LossName, label: l }))}
          pending={pending('loss')}
          onChange={set('loss')}
        />
        <Select
          label="Backend"
          value={s.backend}
          options={(['auto', ...BACKEND_NAMES] as BackendChoice[]).map((b) => ({ value: b, label: b }))}
          onChange={set('backend')}
        />
      </div>
      <div className={pending('augment') ? 'field check pending' : 'field check'}>
        <input
          id="augment"
          type="checkbox"
          checked={s.augment}
          onChange={(e) => set('augment')(e.target.checked)}
        />
        <label htmlFor="augment">
          Augmentation (crop, flip, colour jitter) <PendingTag pending={pending('augment')} />
        </label>
      </div>
      <details>
        <summary>Evaluation and data</summary>
        <div className="grid2">
          <NumberField
            label="Train images (0 = all)"
            value={s.trainImages}
            {...LIMITS.trainImages}
            pending={pending('trainImages')}
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
