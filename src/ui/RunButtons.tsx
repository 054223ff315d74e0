import { useShallow } from 'zustand/react/shallow';
import { pendingSettings } from '../store/pending.ts';
import { useLab } from './lab.ts';

/**
 * A button that stays focusable while unavailable (aria-disabled, not disabled), so that pressing
 * Train from the keyboard does not drop the focus to the page when it becomes unavailable.
 */
function RunButton(props: {
  testId: string;
  label: string;
  unavailable: boolean;
  primary?: boolean;
  describedBy?: string;
  onPress: () => void;
}) {
  return (
    <button
      data-testid={props.testId}
      className={props.primary ? 'primary' : undefined}
      aria-disabled={props.unavailable}
      aria-describedby={props.describedBy}
      onClick={() => {
        if (!props.unavailable) props.onPress();
      }}
    >
      {props.label}
    </button>
  );
}

export function RunButtons() {
  const runState = useLab((s) => s.runState);
  const train = useLab((s) => s.train);
  const pause = useLab((s) => s.pause);
  const resume = useLab((s) => s.resume);
  const reset = useLab((s) => s.reset);
  const revert = useLab((s) => s.revertSettings);
  const backendReady = useLab((s) => s.backend !== null);
  const pending = useLab(useShallow((s) => pendingSettings(s.settings, s.modelConfig)));
  const running = runState === 'running' || runState === 'loading';
  const blockedResume = runState === 'paused' && pending.length > 0;
  return (
    <div className="run-buttons">
      <div className="buttons" role="group" aria-label="Training">
        <RunButton
          testId="train-button"
          label="Train"
          primary
          unavailable={!backendReady || running}
          onPress={train}
        />
        <RunButton testId="pause-button" label="Pause" unavailable={runState !== 'running'} onPress={pause} />
        <RunButton
          testId="resume-button"
          label="Resume"
          unavailable={runState !== 'paused' || blockedResume}
          describedBy={blockedResume ? 'resume-reason' : undefined}
          onPress={resume}
        />
        <RunButton testId="reset-button" label="Reset" unavailable={running} onPress={reset} />
      </div>
      {blockedResume ? (
        <p className="note pending-note" id="resume-reason" data-testid="resume-reason">
          Resume continues the paused network; the settings marked pending describe another one. Press Train
          to start a new run with them, or{' '}
          <button className="link" data-testid="revert-settings" onClick={revert}>
            put the settings back
          </button>
          .
        </p>
      ) : null}
    </div>
  );
}
