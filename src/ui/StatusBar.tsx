import { compactNumber, duration } from './format.ts';
import { useLab } from './lab.ts';

function Progress(props: { label: string; value: number; max: number; detail: string }) {
  return (
    <div className="progress">
      <span>{props.label}</span>
      <progress value={props.value} max={Math.max(1, props.max)} aria-label={props.label} />
      <span className="detail">{props.detail}</span>
    </div>
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

export function StatusBar() {
  const dataset = useLab((s) => s.dataset);
  const runState = useLab((s) => s.runState);
  const step = useLab((s) => s.step);
  const totalSteps = useLab((s) => s.totalSteps);
  const eta = useLab((s) => s.etaSeconds);
  const last = useLab((s) => s.metrics.at(-1));
  return (
    <section className="panel status" aria-label="Status">
      <BackendBadge />
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
      <Progress
        label={`Run: ${runState}`}
        value={step}
        max={totalSteps}
        detail={`step ${step} / ${totalSteps}${last ? `, epoch ${last.epoch.toFixed(2)}` : ''}, ETA ${duration(runState === 'running' ? eta : null)}`}
      />
      <div className="throughput" data-testid="images-per-second">
        {last ? `${Math.round(last.imagesPerSecond).toLocaleString('en-US')} images/s` : '— images/s'}
      </div>
    </section>
  );
}
