import type { AuditJobState } from '../../store/auditSlice.ts';
import { useLab } from '../lab.ts';

/** An audit job's PGD progress and its Cancel button. */
export function AuditProgress(props: { job: AuditJobState; label: string }) {
  const cancelAudit = useLab((s) => s.cancelAudit);
  const { done, total, unit } = props.job;
  return (
    <div className="audit-progress" data-testid="audit-progress">
      <label>
        {props.label}: {done.toLocaleString('en-US')} / {total.toLocaleString('en-US')} {unit}
        <progress value={done} max={Math.max(1, total)} />
      </label>
      <button type="button" onClick={cancelAudit} data-testid="audit-cancel">
        Cancel
      </button>
    </div>
  );
}
