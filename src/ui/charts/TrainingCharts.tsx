import { useMemo } from 'react';
import { certifiedAccuracy } from '../../sll/certify.ts';
import { epsLabel } from '../format.ts';
import { useLab } from '../lab.ts';
import { LineSeriesChart } from './LineSeriesChart.tsx';

const PAPER = ['36/255', '72/255', '108/255', '255/255'];
const COLORS = ['#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const pct = (v: number) => `${Math.round(v * 100)}%`;

/** One training metric against steps. */
function MetricChart(props: {
  field: 'loss' | 'learningRate' | 'imagesPerSecond';
  title: string;
  testId: string;
  label: string;
  color: string;
  yFormat?: (v: number) => string;
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
      series={[{ key: field, label: props.label, color: props.color }]}
      yFormat={props.yFormat}
      height={props.height}
    />
  );
}

export function LossChart() {
  return <MetricChart field="loss" title="Training loss" testId="loss-chart" label="loss" color="#d62728" />;
}

export function AccuracyChart() {
  const evaluations = useLab((s) => s.evaluations);
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const data = useMemo(
    () =>
      evaluations.map((e) => {
        const row: Record<string, number> = { step: e.step, natural: e.naturalAccuracy };
        e.certified.slice(0, 4).forEach((c, i) => (row[`c${i}`] = c.accuracy));
        // Past evaluations keep their radii, so the slider's eps applies to the whole history at once.
        if (e.radii.length > 0) row.slider = certifiedAccuracy(e, e.labels, epsSteps / 255);
        return row;
      }),
    [evaluations, epsSteps],
  );
  const series = [
    { key: 'natural', label: 'natural', color: '#111' },
    ...PAPER.map((label, i) => ({ key: `c${i}`, label: `cert ${label}`, color: COLORS[i] })),
    { key: 'slider', label: `cert ${epsLabel(epsSteps)} (slider)`, color: '#e377c2' },
  ];
  return (
    <LineSeriesChart
      title="Accuracy on test images"
      testId="accuracy-chart"
      data={data}
      series={series}
      yDomain={[0, 1]}
      yFormat={pct}
      height={240}
    />
  );
}

export function LearningRateChart() {
  return (
    <MetricChart
      field="learningRate"
      title="Learning rate"
      testId="lr-chart"
      label="lr"
      color="#17becf"
      yFormat={(v) => v.toExponential(1)}
      height={150}
    />
  );
}

export function ThroughputChart() {
  return (
    <MetricChart
      field="imagesPerSecond"
      title="Throughput (images/s)"
      testId="throughput-chart"
      label="images/s"
      color="#bcbd22"
      yFormat={(v) => String(Math.round(v))}
      height={150}
    />
  );
}
