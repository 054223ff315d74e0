/** Shown at most: with CIFAR-100 the ten highest logits. */
const MAX_BARS = 10;

/**
 * Logits as horizontal bars from a shared zero, each with its class name and value; the predicted
 * and the true class are named in words as well as marked.
 */
export function LogitBars(props: {
  logits: Float32Array;
  classNames: string[];
  prediction: number;
  label: number;
}) {
  const order = Array.from(props.logits, (_, k) => k);
  const shown =
    order.length <= MAX_BARS
      ? order
      : order.sort((a, b) => props.logits[b] - props.logits[a]).slice(0, MAX_BARS);
  const lo = Math.min(0, ...shown.map((k) => props.logits[k]));
  const hi = Math.max(0, ...shown.map((k) => props.logits[k]));
  const span = hi - lo || 1;
  return (
    <figure className="logit-bars" data-testid="logit-bars">
      <figcaption>
        Logits{order.length > MAX_BARS ? ` (the ${MAX_BARS} highest of ${order.length})` : ''}
      </figcaption>
      <ul>
        {shown.map((k) => {
          const v = props.logits[k];
          const name = props.classNames[k] ?? `class ${k}`;
          const role = [k === props.prediction ? 'predicted' : '', k === props.label ? 'true' : '']
            .filter(Boolean)
            .join(', ');
          return (
            <li key={k} className={k === props.prediction ? 'predicted' : undefined} data-class={name}>
              <span className="logit-name">
                {name}
                {role ? ` (${role})` : ''}
              </span>
              <span className="logit-track" aria-hidden="true">
                <span
                  className="logit-bar"
                  style={{
                    left: `${((Math.min(v, 0) - lo) / span) * 100}%`,
                    width: `${(Math.abs(v) / span) * 100}%`,
                  }}
                />
                <span className="logit-zero" style={{ left: `${(-lo / span) * 100}%` }} />
              </span>
              <span className="logit-value">{v.toFixed(3)}</span>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
