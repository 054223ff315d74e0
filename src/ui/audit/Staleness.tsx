import type { OfModel } from '../../store/auditSlice.ts';
import { useLab } from '../lab.ts';

/**
 * Why a result no longer describes the held model, or null while it does: another network now,
 * or the same network trained further.
 */
export function useStaleness(r: OfModel<{ step: number }> | null): string | null {
  const generation = useLab((s) => s.audit.generation);
  const step = useLab((s) => s.step);
  if (r === null) return null;
  if (r.generation !== generation)
    return `These numbers describe a previous model (at step ${r.value.step}), not the one the lab holds now.`;
  if (r.value.step !== step)
    return `These numbers describe the weights at step ${r.value.step}; the model is now at step ${step}.`;
  return null;
}

/** The stale note with its remedy. */
export function StaleNote(props: { text: string | null; onRefresh?: () => void; testId: string }) {
  if (props.text === null) return null;
  return (
    <p className="pending-note stale-note" data-testid={props.testId}>
      {props.text}{' '}
      {props.onRefresh ? (
        <button type="button" className="link" onClick={props.onRefresh}>
          Refresh
        </button>
      ) : null}
    </p>
  );
}
