import { useMemo, useState } from 'react';
import { certifiedAccuracyAt, certifiedIndex } from '../../sll/radii.ts';
import { epsLabel, percent } from '../format.ts';
import { useLab } from '../lab.ts';
import { OverlayLine, type PlotGeometry } from './ChartFigure.tsx';
import { LineSeriesChart, type Series, SeriesText } from './LineSeriesChart.tsx';

const PAPER = ['36/255', '72/255', '108/255', '255/255'];
const COLORS = ['#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const pct = (v: number) => `${Math.round(v * 100)}%`;
const pct1 = (v: number) => percent(v, 1);
const PERCENT_TICKS = [0, 0.25, 0.5, 0.75, 1];
const UNIT_DOMAIN: [number, number] = [0, 1];

/** Learning rates as short as they can be while staying exact enough: 1e-2, 7.5e-3, 0. */
export function formatLearningRate(v: number): string {
  return v === 0 ? '0' : v.toExponential(1).replace('.0e', 'e');
}
const lrValue = (v: number) => v.toExponential(2);
const integer = (v: number) => String(Math.round(v));
const loss = (v: number) => v.toFixed(3);

/** The accuracy chart's fixed series, drawn by recharts: they do not depend on eps. */
const ACCURACY_LINES: Series[] = [
  { key: 'natural', label: 'natural', color: '#111' },
  ...PAPER.map((label, i) => ({ key: `c${i}`, label: `cert ${label}`, color: COLORS[i] })),
];
const SLIDER_COLOR = '#e377c2';
/**
 * The accuracy chart's legend in a fixed order. The slider's series has a fixed name (its eps is
 * shown in the caption), so the legend never changes, nor wraps differently, as eps moves.
 */
export const ACCURACY_LEGEND: Series[] = [
  ...ACCURACY_LINES,
  { key: 'slider', label: 'cert at slider ε', color: SLIDER_COLOR },
];

/** One training metric against steps. */
function MetricChart(props: {
  field: 'loss' | 'learningRate' | 'imagesPerSecond';
  title: string;
  testId: string;
  yTitle: string;
  empty: string;
  series: Series[];
  yFormat?: (v: number) => string;
  valueFormat: (v: number) => string;
  height?: number;
}) {
  const metrics = useLab((s) => s.metrics);
  const { field } = props;
  const data = useMemo(() => metrics.map((m) => ({ step: m.step, [field]: m[field] })), [metrics, field]);
  return (
    <LineSeriesChart
      title={props.title}
      testId={props.testId}
      data={data}
      series={props.series}
      yTitle={props.yTitle}
      empty={props.empty}
      yFormat={props.yFormat}
      valueFormat={props.valueFormat}
      height={props.height}
    />
  );
}

const LOSS_SERIES: Series[] = [{ key: 'loss', label: 'loss', color: '#d62728' }];
const LR_SERIES: Series[] = [{ key: 'learningRate', label: 'learning rate', color: '#17becf' }];
const THROUGHPUT_SERIES: Series[] = [{ key: 'imagesPerSecond', label: 'images/s', color: '#bcbd22' }];

export function LossChart() {
  return (
    <MetricChart
      field="loss"
      title="Training loss"
      testId="loss-chart"
      yTitle="loss"
      empty="The training loss appears here after the first training steps."
      series={LOSS_SERIES}
      valueFormat={loss}
      height={260}
    />
  );
}

/**
 * Natural and certified accuracy over the run. The certified accuracy at the slider's eps is drawn
 * over the recharts chart by the page, so that an eps step redraws that one line and nothing else.
 */
export function AccuracyChart() {
  const evaluations = useLab((s) => s.evaluations);
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const data = useMemo(
    () =>
      evaluations.map((e) => {
        const row: Record<string, number> = { step: e.step, natural: e.naturalAccuracy };
        e.certified.slice(0, 4).forEach((c, i) => (row[`c${i}`] = c.accuracy));
        return row;
      }),
    [evaluations],
  );
  // Past evaluations keep their radii, so the slider's eps applies to the whole history at once:
  // one binary search per evaluation, on radii sorted once.
  const indices = useMemo(
    () => evaluations.map((e) => (e.radii.length > 0 ? certifiedIndex(e) : null)),
    [evaluations],
  );
  const slider = useMemo(
    () =>
      evaluations.map((e, i) => {
        const index = indices[i];
        return { x: e.step, y: index ? certifiedAccuracyAt(index, epsSteps / 255) : null };
      }),
    [evaluations, indices, epsSteps],
  );
  const [geometry, setGeometry] = useState<PlotGeometry | null>(null);
  return (
    <LineSeriesChart
      title={
        <>
          Accuracy on test images{' '}
          <span className="chart-eps">
            · slider at ε = <span className="eps-value">{epsLabel(epsSteps)}</span>
          </span>
        </>
      }
      testId="accuracy-chart"
      data={data}
      series={ACCURACY_LINES}
      legend={ACCURACY_LEGEND}
      yTitle="accuracy (%)"
      empty="Natural and certified accuracy appear here after the first evaluation."
      yDomain={UNIT_DOMAIN}
      yTicks={PERCENT_TICKS}
      yFormat={pct}
      valueFormat={pct1}
      height={260}
      text={<SeriesText what="accuracy" data={data} series={ACCURACY_LINES} format={pct1} />}
      onGeometry={setGeometry}
      overlay={
        <OverlayLine
          geometry={geometry}
          points={slider}
          color={SLIDER_COLOR}
          dots={data.length < 30}
          testId="accuracy-chart-slider"
        />
      }
    />
  );
}

export function LearningRateChart() {
  return (
    <MetricChart
      field="learningRate"
      title="Learning rate"
      testId="lr-chart"
      yTitle="learning rate"
      empty="The learning rate of each step appears here once training starts."
      series={LR_SERIES}
      yFormat={formatLearningRate}
      valueFormat={lrValue}
      height={170}
    />
  );
}

export function ThroughputChart() {
  return (
    <MetricChart
      field="imagesPerSecond"
      title="Throughput"
      testId="throughput-chart"
      yTitle="images/s"
      empty="Training speed (images per second) appears here after the first training steps."
      series={THROUGHPUT_SERIES}
      yFormat={integer}
      valueFormat={integer}
      height={170}
    />
  );
}
