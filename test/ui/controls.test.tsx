// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunState } from '../../src/protocol.ts';
import { type LabStore } from '../../src/store/labStore.ts';
import { DEFAULT_SETTINGS, toTrainConfig } from '../../src/store/settings.ts';
import { Controls } from '../../src/ui/Controls.tsx';
import { FilesPanel } from '../../src/ui/FilesPanel.tsx';
import { RunButtons } from '../../src/ui/RunButtons.tsx';
import { emit, evaluationEvent, renderWithLab } from './render.tsx';

afterEach(cleanup);

const button = (testId: string) => screen.getByTestId(testId) as HTMLButtonElement;
/** Run buttons stay focusable when unavailable (aria-disabled); the others use `disabled`. */
const enabled = (el: HTMLElement) =>
  !(el as HTMLButtonElement | HTMLInputElement).disabled && el.getAttribute('aria-disabled') !== 'true';

function ready(store: LabStore) {
  emit(store, { type: 'ready', backend: 'webgpu', adapter: null, fallbacks: [] });
}

function runState(store: LabStore, state: RunState, step = 10) {
  emit(store, { type: 'state', state, step, totalSteps: 100 });
}

/** A model the worker holds, at `step` (as after a checkpoint restore). */
function model(store: LabStore, step: number) {
  emit(store, {
    type: 'model',
    config: toTrainConfig(DEFAULT_SETTINGS),
    step,
    source: { kind: 'checkpoint' },
  });
}

describe('RunButtons', () => {
  it('keeps Train disabled until a backend is ready', () => {
    const { store } = renderWithLab(<RunButtons />);
    expect(screen.getByRole('group', { name: 'Training' })).toBeTruthy();
    expect(enabled(button('train-button'))).toBe(false);
    expect(enabled(button('reset-button'))).toBe(true);
    ready(store);
    expect(enabled(button('train-button'))).toBe(true);
  });

  // [state, Train, Pause, Resume, Reset], with a backend ready.
  const table: [RunState, boolean, boolean, boolean, boolean][] = [
    ['idle', true, false, false, true],
    ['loading', false, false, false, false],
    ['running', false, true, false, false],
    ['paused', true, false, true, true],
    ['done', true, false, false, true],
    ['failed', true, false, false, true],
  ];
  it.each(table)(
    'in state %s: Train %s, Pause %s, Resume %s, Reset %s',
    (state, train, pause, resume, reset) => {
      const { store } = renderWithLab(<RunButtons />);
      ready(store);
      runState(store, state);
      expect([
        enabled(button('train-button')),
        enabled(button('pause-button')),
        enabled(button('resume-button')),
        enabled(button('reset-button')),
      ]).toEqual([train, pause, resume, reset]);
    },
  );

  it('sends the commands of the enabled buttons only', () => {
    const { store, sent } = renderWithLab(<RunButtons />);
    ready(store);
    fireEvent.click(screen.getByRole('button', { name: 'Train' }));
    expect(sent.map((c) => c.type)).toEqual(['configure', 'start']);
    runState(store, 'running');
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(sent.map((c) => c.type)).toEqual(['configure', 'start', 'pause']);
    runState(store, 'paused');
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    // The run has progress: Reset asks first, and only the answer sends it.
    expect(sent.map((c) => c.type)).toEqual(['configure', 'start', 'pause', 'resume']);
    expect(store.getState().confirmation?.action).toBe('reset');
    store.getState().confirm();
    expect(sent.map((c) => c.type)).toEqual(['configure', 'start', 'pause', 'resume', 'reset']);
  });

  it('marks the settings that differ from the held model as pending, and only those', () => {
    const { store } = renderWithLab(<Controls />);
    model(store, 40);
    const pendingFields = () =>
      [...document.querySelectorAll('[data-pending="true"] label')].map((l) => l.textContent);
    expect(pendingFields()).toEqual([]);
    act(() => store.getState().updateSettings({ nConv: 7, learningRate: 0.5, epsSteps: 100, evalEvery: 3 }));
    expect(pendingFields()).toHaveLength(2);
    expect(pendingFields()[0]).toMatch(/Conv layers.*pending/);
    expect(pendingFields()[1]).toMatch(/Learning rate.*pending/);
  });

  it('disables Resume with the reason while a setting describes another network, and can put it back', () => {
    const { store, sent } = renderWithLab(<RunButtons />);
    ready(store);
    model(store, 40);
    runState(store, 'paused', 40);
    act(() => store.getState().updateSettings({ nConv: 7 }));
    expect(enabled(button('resume-button'))).toBe(false);
    expect(button('resume-button').getAttribute('aria-describedby')).toBe('resume-reason');
    expect(screen.getByTestId('resume-reason').textContent).toMatch(/pending/);
    fireEvent.click(button('revert-settings'));
    expect(store.getState().settings.nConv).toBe(4);
    fireEvent.click(button('resume-button'));
    expect(sent.map((c) => c.type)).toEqual(['resume']);
  });
});

describe('Controls', () => {
  it('shows the eps slider as k/255 and its value, and moving it changes only the settings', () => {
    const { store, sent } = renderWithLab(<Controls />);
    const slider = screen.getByRole('slider', { name: 'Epsilon' }) as HTMLInputElement;
    expect(slider).toBe(screen.getByTestId('eps-slider'));
    expect([slider.min, slider.max, slider.value]).toEqual(['0', '255', '36']);
    expect(screen.getByText('36/255 = 0.141')).toBeTruthy();
    fireEvent.change(slider, { target: { value: '128' } });
    expect(store.getState().settings.epsSteps).toBe(128);
    expect(screen.getByText('128/255 = 0.502')).toBeTruthy();
    expect(sent).toEqual([]);
  });

  it('shows the preset depth and width, and a preset choice moves the sliders', () => {
    const { store } = renderWithLab(<Controls />);
    const conv = screen.getByTestId('depth-conv-slider') as HTMLInputElement;
    const dense = screen.getByTestId('depth-dense-slider') as HTMLInputElement;
    const width = screen.getByTestId('width-slider') as HTMLInputElement;
    const lab = [DEFAULT_SETTINGS.nConv, DEFAULT_SETTINGS.nDense, DEFAULT_SETTINGS.width].map(String);
    expect([conv.value, dense.value, width.value]).toEqual(lab);
    fireEvent.change(screen.getByTestId('preset-select'), { target: { value: 'small' } });
    const s = store.getState().settings;
    expect(s.preset).toBe('small');
    // SLL small: 20 conv, 7 dense, width 45 (Araujo et al. 2023, Table 5).
    expect([s.nConv, s.nDense, s.width]).toEqual([20, 7, 45]);
    expect([conv.value, dense.value, width.value]).toEqual(['20', '7', '45']);
    expect((screen.getByTestId('preset-select') as HTMLSelectElement).value).toBe('small');
  });

  it('sends a backend choice to the worker at once', () => {
    const { sent } = renderWithLab(<Controls />);
    fireEvent.change(screen.getByLabelText('Backend'), { target: { value: 'wasm' } });
    expect(sent).toEqual([{ type: 'chooseBackend', backend: 'wasm' }]);
  });

  it('lists imported datasets, and selects one that was just added', () => {
    const { store } = renderWithLab(<Controls />);
    const select = screen.getByTestId('dataset-select') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['CIFAR-10 (shipped)']);
    emit(store, {
      type: 'datasets',
      imported: [
        {
          id: 'cifar100-ab12',
          name: 'cifar100',
          source: 'cifar-100-binary.tar.gz',
          classes: 100,
          trainCount: 50000,
          testCount: 10000,
        },
      ],
      added: 'cifar100-ab12',
    });
    expect([...select.options].map((o) => o.textContent)).toEqual([
      'CIFAR-10 (shipped)',
      'CIFAR100 (imported: cifar-100-binary.tar.gz)',
    ]);
    expect(select.value).toBe('cifar100-ab12');
  });

  it('takes the configuration of a model the worker reports (a restore or a weights import)', () => {
    const { store } = renderWithLab(<Controls />);
    const config = toTrainConfig({ ...DEFAULT_SETTINGS, nConv: 3, width: 12, learningRate: 0.05, epochs: 7 });
    emit(store, { type: 'model', config, step: 40, source: { kind: 'checkpoint' } });
    expect((screen.getByTestId('depth-conv-slider') as HTMLInputElement).value).toBe('3');
    expect((screen.getByTestId('width-slider') as HTMLInputElement).value).toBe('12');
    expect((screen.getByLabelText('Learning rate') as HTMLInputElement).value).toBe('0.05');
    expect((screen.getByLabelText('Epochs') as HTMLInputElement).value).toBe('7');
  });
});

describe('FilesPanel', () => {
  const download = () => screen.getByRole('button', { name: 'Download weights (JSON)' }) as HTMLButtonElement;
  const evaluate = () => screen.getByRole('button', { name: 'Evaluate on all 10,000' }) as HTMLButtonElement;
  const loadWeights = () =>
    screen.getByLabelText(
      'Load weights (sll-lab/weights JSON or a PyTorch .pth checkpoint)',
    ) as HTMLInputElement;
  const importData = () =>
    screen.getByLabelText('Import cifar-10/100-binary.tar.gz or its .bin files') as HTMLInputElement;

  it('disables Download and Evaluate without a model', () => {
    renderWithLab(<FilesPanel />);
    expect(download()).toBe(screen.getByTestId('download-weights'));
    expect(enabled(download())).toBe(false);
    expect(enabled(evaluate())).toBe(false);
    expect(enabled(loadWeights())).toBe(true);
    expect(enabled(importData())).toBe(true);
  });

  it('counts a configured run as a model only once it has trained a step', () => {
    const { store } = renderWithLab(<FilesPanel />);
    ready(store);
    // Train configures the run (step 0) before any step is trained.
    act(() => store.getState().train());
    expect(store.getState().modelConfig).not.toBeNull();
    expect(enabled(download())).toBe(false);
    emit(store, {
      type: 'metrics',
      step: 1,
      epoch: 0,
      loss: 2.3,
      trainAccuracy: 0.1,
      learningRate: 0.01,
      imagesPerSecond: 100,
      etaSeconds: 60,
      totalSteps: 100,
    });
    runState(store, 'paused', 1);
    expect(enabled(download())).toBe(true);
    expect(enabled(evaluate())).toBe(true);
  });

  it('counts loaded weights as a model once the worker has evaluated them, at step 0', () => {
    const { store } = renderWithLab(<FilesPanel />);
    ready(store);
    act(() => store.getState().loadWeights(new TextEncoder().encode('{}')));
    emit(store, {
      type: 'model',
      config: toTrainConfig(DEFAULT_SETTINGS),
      step: 0,
      source: { kind: 'checkpoint' },
    });
    runState(store, 'idle', 0);
    expect(enabled(download())).toBe(false);
    emit(store, evaluationEvent({ radii: [0.5], predictions: [1], labels: [1], step: 0 }));
    expect([enabled(download()), enabled(evaluate())]).toEqual([true, true]);
  });

  // [state, Download, Evaluate, Load weights], with a trained model.
  const table: [RunState, boolean, boolean, boolean][] = [
    ['idle', true, true, true],
    ['loading', true, false, false],
    ['running', true, false, false],
    ['paused', true, true, true],
    ['done', true, true, true],
  ];
  it.each(table)('with a model, in state %s: Download %s, Evaluate %s, Load %s', (state, dl, ev, load) => {
    const { store } = renderWithLab(<FilesPanel />);
    model(store, 50);
    runState(store, state, 50);
    expect([enabled(download()), enabled(evaluate()), enabled(loadWeights())]).toEqual([dl, ev, load]);
    // Archives can be imported in every state.
    expect(enabled(importData())).toBe(true);
  });

  it('Download asks the worker for the weights and saves what comes back', () => {
    const { store, sent, saved } = renderWithLab(<FilesPanel />);
    model(store, 50);
    fireEvent.click(download());
    expect(sent).toEqual([{ type: 'exportWeights', withOptimizer: false }]);
    emit(store, { type: 'weights', text: '{"format":"sll-lab/weights"}' });
    expect(saved).toEqual([
      {
        name: 'sll-lab-lab-step50.json',
        contents: '{"format":"sll-lab/weights"}',
        mimeType: 'application/json',
      },
    ]);
    fireEvent.click(evaluate());
    expect(sent.at(-1)).toEqual({ type: 'evaluate', subset: 'full' });
  });

  it('Download ONNX asks the worker for the graph and saves its bytes', () => {
    const { store, sent, saved } = renderWithLab(<FilesPanel />);
    const onnx = () => screen.getByTestId('download-onnx') as HTMLButtonElement;
    expect(onnx().disabled).toBe(true);
    model(store, 50);
    fireEvent.click(onnx());
    expect(sent).toEqual([{ type: 'exportOnnx' }]);
    const bytes = Uint8Array.from([8, 7, 18, 3]);
    emit(store, { type: 'onnx', bytes });
    expect(saved).toEqual([
      { name: 'sll-lab-lab-step50.onnx', contents: bytes, mimeType: 'application/octet-stream' },
    ]);
  });

  it('sends a chosen weights file to the worker as a new model', async () => {
    const { sent } = renderWithLab(<FilesPanel />);
    const input = loadWeights();
    const file = new File(['{"w":1}'], 'mine.json', { type: 'application/json' });
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    fireEvent.change(input);
    await waitFor(() => expect(sent.map((c) => c.type)).toEqual(['configure', 'importWeights']));
    expect(sent[1]).toEqual({
      type: 'importWeights',
      file: new TextEncoder().encode('{"w":1}'),
      asNewModel: true,
    });
  });

  it('sends chosen archive files to the worker, bytes and names', async () => {
    const { sent } = renderWithLab(<FilesPanel />);
    const input = importData();
    const files = [
      new File([new Uint8Array([1, 2, 3])], 'data_batch_1.bin'),
      new File([new Uint8Array([4])], 'test_batch.bin'),
    ];
    Object.defineProperty(input, 'files', { value: files, configurable: true });
    fireEvent.change(input);
    await waitFor(() => expect(sent).toHaveLength(1));
    const command = sent[0];
    if (command.type !== 'importDataset') throw new Error(`sent ${command.type}`);
    expect(command.files.map((f) => [f.name, [...f.bytes]])).toEqual([
      ['data_batch_1.bin', [1, 2, 3]],
      ['test_batch.bin', [4]],
    ]);
  });
});
