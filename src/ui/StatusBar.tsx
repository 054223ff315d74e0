import { useEffect, useState } from 'react';
import type { Activity } from '../store/labStore.ts';
import type { BackendName } from '../sll/backendNames.ts';
import { compactNumber, duration } from './format.ts';
import { useLab } from './lab.ts';

/** A labelled bar; without `value` it is indeterminate (an operation with no measurable steps). */
function Progress(props: { label: string; value?: number; max: number; detail: string; testId?: string }) {
  return (
    <div className="progress" data-testid={props.testId}>
      <span>{props.label}</span>
      <progress value={props.value} max={Math.max(1, props.max)} aria-label={props.label} />
      <span className="detail">{props.detail}</span>
    </div>
  );
}

const count = (n: number) => n.toLocaleString('en-US');
const SETUP_STAGES = ['loading the dataset', 'building the network', 'writing the first checkpoint'];

/** What an activity is called and what its detail line says; `measured` when done/total means something. */
function describe(
  a: Activity,
  backend: BackendName | null,
): { label: string; detail: string; measured: boolean } {
  switch (a.task) {
    case 'setup':
      return {
        label: 'Setting up the run',
        detail: `${SETUP_STAGES[a.done] ?? 'starting'} (${Math.min(a.done + 1, a.total)} of ${a.total})`,
        measured: true,
      };
    case 'compile':
      return backend === 'webgpu' || backend === 'webgl'
        ? { label: 'Compiling shaders', detail: 'the first training step compiles them', measured: false }
        : { label: 'Warming up', detail: 'the first training step', measured: false };
    case 'evaluation':
      return {
        label: 'Evaluating',
        detail: `${count(a.done)} / ${count(a.total)} test images`,
        measured: true,
      };
    case 'weights':
      return { label: 'Loading weights', detail: 'reading the file into the network', measured: false };
    case 'restore':
      return { label: 'Restoring the checkpoint', detail: 'rebuilding the run', measured: false };
    case 'audit':
      return {
        label: 'Auditing the certificates',
        detail: `${count(a.done)} / ${count(a.total)} ${a.unit}`,
        measured: true,
      };
    default: {
      const unknown: never = a.task;
      return { label: String(unknown), detail: '', measured: false };
    }
  }
}

/** Seconds since `task` began, ticking once a second. */
function useElapsedSeconds(task: string): number {
  const [started, setStarted] = useState(() => ({ task, at: Date.now() }));
  const [now, setNow] = useState(() => Date.now());
  if (started.task !== task) setStarted({ task, at: Date.now() });
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return Math.max(0, Math.round((now - started.at) / 1000));
}

/** The long operation under way, with its own bar: set-up, compilation, evaluation, weights, restore. */
function ActivityProgress(props: { activity: Activity }) {
  const backend = useLab((s) => s.backend?.name ?? null);
  const elapsed = useElapsedSeconds(props.activity.task);
  const { label, detail, measured } = describe(props.activity, backend);
  return (
    <Progress
      testId="activity"
      label={label}
      value={measured ? props.activity.done : undefined}
      max={props.activity.total}
      detail={elapsed >= 2 ? `${detail} · ${elapsed} s` : detail}
    />
  );
}

export function BackendBadge() {
  const backend = useLab((s) => s.backend);
  if (!backend) {
    return (
      <div className="badge pending" data-testid="backend-badge">
        starting a backend…
      </div>
    );
  }
  const why = backend.fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('\n');
  return (
    <div className="badge" data-testid="backend-badge" title={why || 'first choice'}>
      <strong>{backend.name}</strong>
      {backend.adapter ? <span> · {backend.adapter}</span> : null}
      {backend.fallbacks.length > 0 ? (
        <ul className="fallbacks">
          {backend.fallbacks.map((f) => (
            <li key={f.backend}>
              not {f.backend}: {f.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The ETA once the worker finds it stable; "measuring…" before that while training. */
function etaText(running: boolean, eta: number | null): string {
  if (!running) return '—';
  return eta === null ? 'measuring…' : duration(eta);
}

export function StatusBar() {
  const dataset = useLab((s) => s.dataset);
  const runState = useLab((s) => s.runState);
  const step = useLab((s) => s.step);
  const totalSteps = useLab((s) => s.totalSteps);
  const eta = useLab((s) => s.etaSeconds);
  const last = useLab((s) => s.metrics.at(-1));
  const activity = useLab((s) => s.activity);
  return (
    <section className="panel status" aria-label="Status">
      <BackendBadge />
      {/* Fixed slots: a bar that comes and goes must not move the page below (the run buttons). */}
      <div className="slot">
        {dataset ? (
          <Progress
            label={dataset.ready ? 'Dataset ready' : `Loading ${dataset.split} split`}
            value={dataset.ready ? 1 : dataset.loadedImages}
            max={dataset.ready ? 1 : dataset.totalImages}
            detail={
              dataset.ready
                ? `${dataset.totalImages.toLocaleString('en-US')} training images`
                : `${dataset.loadedImages.toLocaleString('en-US')} / ${dataset.totalImages.toLocaleString('en-US')} images, ${compactNumber(dataset.loadedBytes)}B`
            }
          />
        ) : null}
      </div>
      <div className="slot">{activity ? <ActivityProgress activity={activity} /> : null}</div>
      <Progress
        label={`Run: ${runState}`}
        value={step}
        max={totalSteps}
        detail={`step ${step} / ${totalSteps}${last ? `, epoch ${last.epoch.toFixed(2)}` : ''}, ETA ${etaText(runState === 'running', eta)}`}
      />
      <div className="throughput" data-testid="images-per-second">
        {last ? `${Math.round(last.imagesPerSecond).toLocaleString('en-US')} images/s` : '— images/s'}
      </div>
    </section>
  );
}
