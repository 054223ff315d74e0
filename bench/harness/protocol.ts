/** Messages between the benchmark page and its worker (one request in flight at a time). */
import type { BackendReady } from '../../src/engine/backends.ts';
import type { BackendName } from '../../src/sll/backendNames.ts';
import type { ConvShape } from '../convShape.ts';
import type { FormulationTiming } from '../formulations.ts';
import type { Measurement, MeasureOptions } from '../measure.ts';
import type { TimingPlan } from '../timing.ts';

export type TfjsFlags = Record<string, boolean | number>;

export type BenchRequest =
  /** `flags`: tfjs environment flags set once the backend runs (for example WEBGL_EXP_CONV). */
  | { type: 'start'; backend: BackendName; flags?: TfjsFlags }
  | { type: 'measure'; options: MeasureOptions }
  | { type: 'formulations'; shape: ConvShape; plan: TimingPlan };

export type BenchReply =
  | { type: 'started'; ready: BackendReady }
  | { type: 'measured'; measurement: Measurement }
  | { type: 'formulations'; timings: FormulationTiming[] }
  | { type: 'error'; message: string };
