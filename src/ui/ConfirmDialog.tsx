import { useEffect, useRef } from 'react';
import { useLab } from './lab.ts';

/**
 * Asks before an action discards a run with progress, and says what would be lost. Focus moves to
 * "Keep" (the safe answer) and comes back where it was when the dialog closes; Escape keeps the run.
 */
export function ConfirmDialog() {
  const confirmation = useLab((s) => s.confirmation);
  const confirm = useLab((s) => s.confirm);
  const cancel = useLab((s) => s.cancelConfirmation);
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!confirmation) return;
    const before = document.activeElement as HTMLElement | null;
    keep.current?.focus();
    return () => before?.focus();
  }, [confirmation]);
  if (!confirmation) return null;
  return (
    <div className="overlay">
      <div
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-question"
        aria-describedby="confirm-lost"
        data-testid="confirm-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') cancel();
        }}
      >
        <p id="confirm-question">
          <strong>{confirmation.question}</strong>
        </p>
        <p id="confirm-lost">{confirmation.lost}</p>
        <div className="buttons">
          <button ref={keep} data-testid="confirm-cancel" onClick={cancel}>
            Keep the current run
          </button>
          <button className="danger" data-testid="confirm-ok" onClick={confirm}>
            {confirmation.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
