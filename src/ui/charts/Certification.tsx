import { memo, useMemo, useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import {
  type CertifiedIndex,
  type HistogramBin,
  certifiedAccuracyAt,
  certifiedCurve,
  certifiedIndex,
  radiusHistogram,
  radiusQuantile,
} from '../../sll/radii.ts';
import { epsLabel, percent } from '../format.ts';
import { useLab } from '../lab.ts';
import {
  ChartFigure,
  DataTable,
  EpsMarker,
  PlotAreaProbe,
  type PlotGeometry,
  TICK,
  X_AXIS_HEIGHT,
  xTitle,
  yTitle,
} from './ChartFigure.tsx';

/** Histogram bins over [0, 1), then one bin for every radius of 1 or more, drawn just past 1. */
export const BINS = 40;
const MAX = 1;
const OVERFLOW_MID = MAX + MAX / BINS / 2;
const HISTOGRAM_TICKS = [0, 0.25, 0.5, 0.75, OVERFLOW_MID];
const HEIGHT = 220;
/** Room above the plot for the eps label. */
const MARGIN = { top: 20, right: 16, bottom: 0, left: 4 };
const PERCENT_TICKS = [0, 0.25, 0.5, 0.75, 1];
const EPS_TICKS = [0, 0.25, 0.5, 0.75, 1];
/** Rows of the curve's text alternative: eps = k/255. */
const CURVE_TEXT_STEPS = [0, 18, 36, 72, 108, 255];

const RADIUS_TITLE = 'certified radius (L2, pixels scaled to [0, 1])';
const EPS_TITLE = 'ε (L2, pixels scaled to [0, 1])';

function useLatestRadii() {
  return useLab((s) => s.evaluations.findLast((e) => e.radii.length > 0));
}

/** What the empty certification charts say: the first evaluation, or the next after a restore. */
function useEmptyText(what: string): string {
  const evaluated = useLab((s) => s.evaluations.length > 0);
  return `${what} here after the ${evaluated ? 'next' : 'first'} evaluation.`;
}

/** "≥ 1" for the overflow bin, two decimals elsewhere. */
export function radiusTick(v: number): string {
  return v > MAX ? `≥ ${MAX}` : v.toFixed(2);
}

function binName(b: Pick<HistogramBin, 'from' | 'to'>): string {
  return b.to === Infinity ? `radius ≥ ${MAX}` : `radius ${b.from.toFixed(3)} to ${b.to.toFixed(3)}`;
}

interface BinRow extends HistogramBin {
  mid: number;
}

const HistogramPlot = memo(function HistogramPlot(props: {
  data: BinRow[];
  onGeometry: (g: PlotGeometry) => void;
}) {
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <BarChart data={props.data} margin={MARGIN} barCategoryGap={1} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e3e3e3" />
        <XAxis
          dataKey="mid"
          type="number"
          domain={[0, MAX + MAX / BINS]}
          ticks={HISTOGRAM_TICKS}
          interval={0}
          tickFormatter={radiusTick}
          tick={TICK}
          height={X_AXIS_HEIGHT}
          label={xTitle(RADIUS_TITLE)}
        />
        <YAxis allowDecimals={false} width="auto" tick={TICK} label={yTitle('images')} />
        <Tooltip
          labelFormatter={(_, payload) => {
            const row = payload?.[0]?.payload as BinRow | undefined;
            return row ? binName(row) : '';
          }}
          formatter={(v) => [String(v), 'images']}
        />
        <Bar dataKey="count" fill="#1f77b4" isAnimationActive={false} />
        <PlotAreaProbe onChange={props.onGeometry} />
      </BarChart>
    </ResponsiveContainer>
  );
});

const HistogramText = memo(function HistogramText(props: { index: CertifiedIndex; bins: BinRow[] }) {
  const { index, bins } = props;
  const correct = index.sorted.length;
  const median = radiusQuantile(index, 0.5);
  const overflow = bins.at(-1)?.count ?? 0;
  return (
    <>
      <p>
        {correct.toLocaleString('en-US')} of {index.n.toLocaleString('en-US')} test images are classified
        correctly
        {median === null ? '' : `; the median of their certified radii is ${median.toFixed(3)}`}
        {`; ${overflow.toLocaleString('en-US')} have a radius of ${MAX} or more`}.
      </p>
      <DataTable
        caption="Correctly classified images per certified radius"
        columns={[
          { key: 'from', label: 'radius from', format: (v) => v.toFixed(3) },
          { key: 'to', label: 'radius below', format: (v) => (v === Infinity ? 'no limit' : v.toFixed(3)) },
          { key: 'count', label: 'images', format: String },
        ]}
        rows={bins as unknown as Record<string, number>[]}
      />
    </>
  );
});

export function RadiusHistogram() {
  const latest = useLatestRadii();
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const empty = useEmptyText('Certified radii appear');
  const eps = epsSteps / 255;
  const index = useMemo(() => (latest ? certifiedIndex(latest) : null), [latest]);
  const data = useMemo<BinRow[]>(
    () =>
      latest
        ? radiusHistogram(latest, BINS, MAX).map((b) => ({
            ...b,
            mid: b.to === Infinity ? OVERFLOW_MID : (b.from + b.to) / 2,
          }))
        : [],
    [latest],
  );
  const [geometry, setGeometry] = useState<PlotGeometry | null>(null);
  const certified = index ? certifiedAccuracyAt(index, eps) : null;
  return (
    <ChartFigure
      testId="radius-histogram"
      data={{ 'data-bins': data.length }}
      caption={
        <>
          Certified radius of correctly classified test images ·{' '}
          <strong data-testid="fraction-certified">{percent(certified)}</strong> certified at ε ={' '}
          {epsLabel(epsSteps)}
        </>
      }
      empty={index ? null : empty}
      height={HEIGHT}
      text={index ? <HistogramText index={index} bins={data} /> : null}
      overlay={
        <EpsMarker
          geometry={geometry}
          value={eps}
          label={`ε ${epsLabel(epsSteps)}`}
          testId="radius-histogram-eps"
        />
      }
    >
      <HistogramPlot data={data} onGeometry={setGeometry} />
    </ChartFigure>
  );
}

const pct = (v: number) => `${Math.round(v * 100)}%`;
const epsTick = (v: number) => v.toFixed(2);

const CurvePlot = memo(function CurvePlot(props: {
  data: { eps: number; accuracy: number }[];
  onGeometry: (g: PlotGeometry) => void;
}) {
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <LineChart data={props.data} margin={MARGIN} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e3e3e3" />
        <XAxis
          dataKey="eps"
          type="number"
          domain={[0, 1]}
          ticks={EPS_TICKS}
          tickFormatter={epsTick}
          tick={TICK}
          height={X_AXIS_HEIGHT}
          label={xTitle(EPS_TITLE)}
        />
        <YAxis
          domain={[0, 1]}
          ticks={PERCENT_TICKS}
          tickFormatter={pct}
          tick={TICK}
          width="auto"
          label={yTitle('certified accuracy (%)')}
        />
        <Tooltip
          formatter={(v) => [percent(Number(v)), 'certified']}
          labelFormatter={(v) => `ε = ${Math.round(Number(v) * 255)}/255 = ${Number(v).toFixed(3)}`}
        />
        <Line dataKey="accuracy" stroke="#2ca02c" dot={false} isAnimationActive={false} />
        <PlotAreaProbe onChange={props.onGeometry} />
      </LineChart>
    </ResponsiveContainer>
  );
});

const CurveText = memo(function CurveText(props: { index: CertifiedIndex }) {
  const rows = CURVE_TEXT_STEPS.map((k) => ({ k, accuracy: certifiedAccuracyAt(props.index, k / 255) }));
  return (
    <>
      <p>
        Certified accuracy falls from {percent(rows[0].accuracy)} at ε = 0 to {percent(rows.at(-1)?.accuracy)}{' '}
        at ε = 255/255.
      </p>
      <DataTable
        caption="Certified accuracy at some ε"
        columns={[
          { key: 'k', label: 'ε', format: (k) => epsLabel(k) },
          { key: 'accuracy', label: 'certified accuracy', format: (v) => percent(v) },
        ]}
        rows={rows}
      />
    </>
  );
});

export function CertifiedCurve() {
  const latest = useLatestRadii();
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const empty = useEmptyText('Certified accuracy against ε appears');
  const index = useMemo(() => (latest ? certifiedIndex(latest) : null), [latest]);
  const data = useMemo(() => (latest ? certifiedCurve(latest) : []), [latest]);
  const [geometry, setGeometry] = useState<PlotGeometry | null>(null);
  const eps = epsSteps / 255;
  const accuracy = index ? certifiedAccuracyAt(index, eps) : null;
  return (
    <ChartFigure
      testId="certified-curve"
      caption="Certified accuracy against ε (from the radii, no retraining)"
      empty={index ? null : empty}
      height={HEIGHT}
      text={index ? <CurveText index={index} /> : null}
      overlay={
        <EpsMarker
          geometry={geometry}
          value={eps}
          label={`ε ${epsLabel(epsSteps)}: ${percent(accuracy)}`}
          yFraction={accuracy}
          testId="certified-curve-eps"
        />
      }
    >
      <CurvePlot data={data} onGeometry={setGeometry} />
    </ChartFigure>
  );
}
