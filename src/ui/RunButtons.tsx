import { useLab } from './lab.ts';

export function RunButtons() {
  const runState = useLab((s) => s.runState);
  const train = useLab((s) => s.train);
  const pause = useLab((s) => s.pause);
  const resume = useLab((s) => s.resume);
  const reset = useLab((s) => s.reset);
  const backendReady = useLab((s) => s.backend !== null);
  const running = runState === 'running' || runState === 'loading';
  return (
    <div className="buttons" role="group" aria-label="Training">
      <button
        data-testid="train-button"
        className="primary"
        disabled={!backendReady || running}
        onClick={train}
      >
        Train
      </button>
      <button data-testid="pause-button" disabled={runState !== 'running'} onClick={pause}>
        Pause
      </button>
      <button data-testid="resume-button" disabled={runState !== 'paused'} onClick={resume}>
        Resume
      </button>
      <button data-testid="reset-button" disabled={running} onClick={reset}>
        Reset
      </button>
    </div>
  );
}
