import { type ReactNode, memo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import {
  ChartFigure,
  DataTable,
  PlotAreaProbe,
  type PlotGeometry,
  TICK,
  X_AXIS_HEIGHT,
  xTitle,
  yTitle,
} from './ChartFigure.tsx';

export interface Series {
  key: string;
  label: string;
  color: string;
}

/** Rows of a series table for screen readers: the last ones of a long run. */
const TABLE_ROWS = 10;

const stepLabel = (v: unknown) => `step ${String(v)}`;
const integer = (v: number) => String(Math.round(v));

/**
 * The drawing of a streaming line chart over training steps: integer step ticks, axis titles, no
 * animation and no keyboard layer. Memoised: it re-renders only when its data or series change.
 */
export const LinePlot = memo(function LinePlot(props: {
  data: Record<string, number>[];
  series: Series[];
  yTitle: string;
  yDomain?: [number | 'auto', number | 'auto'];
  yFormat?: (v: number) => string;
  /** Values in the tooltip (defaults to yFormat). */
  valueFormat?: (v: number) => string;
  yTicks?: number[];
  height: number;
  /** Told where the plot area is, for lines drawn over it. */
  onGeometry?: (g: PlotGeometry) => void;
}) {
  const { yFormat } = props;
  const valueFormat = props.valueFormat ?? yFormat;
  return (
    <ResponsiveContainer width="100%" height={props.height}>
      <LineChart
        data={props.data}
        margin={{ top: 8, right: 16, bottom: 0, left: 4 }}
        accessibilityLayer={false}
      >
        <CartesianGrid strokeDasharray="3 3" stroke="#e3e3e3" />
        <XAxis
          dataKey="step"
          type="number"
          domain={['dataMin', 'dataMax']}
          allowDecimals={false}
          tickCount={6}
          tick={TICK}
          height={X_AXIS_HEIGHT}
          label={xTitle('step')}
        />
        <YAxis
          domain={props.yDomain ?? ['auto', 'auto']}
          ticks={props.yTicks}
          tickFormatter={yFormat}
          tick={TICK}
          width="auto"
          label={yTitle(props.yTitle)}
        />
        <Tooltip
          labelFormatter={stepLabel}
          formatter={(v) => (typeof v === 'number' && valueFormat ? valueFormat(v) : String(v))}
        />
        {props.series.map((s) => (
          <Line
            key={s.key}
            dataKey={s.key}
            name={s.label}
            stroke={s.color}
            dot={props.data.length < 30}
            isAnimationActive={false}
            strokeWidth={1.5}
          />
        ))}
        {props.onGeometry ? <PlotAreaProbe onChange={props.onGeometry} /> : null}
      </LineChart>
    </ResponsiveContainer>
  );
});

/** A sentence and a table of the last points, for screen readers. */
export const SeriesText = memo(function SeriesText(props: {
  what: string;
  data: Record<string, number>[];
  series: Series[];
  format: (v: number) => string;
}) {
  const { data, series, format } = props;
  const first = data[0];
  const last = data.at(-1);
  if (!first || !last) return null;
  const latest = series
    .filter((s) => last[s.key] !== undefined)
    .map((s) => `${s.label} ${format(last[s.key])}`)
    .join(', ');
  return (
    <>
      <p>
        {props.what}: {data.length} points from step {first.step} to step {last.step}; at step {last.step}{' '}
        {latest}.
      </p>
      <DataTable
        caption={`The last ${Math.min(TABLE_ROWS, data.length)} points`}
        columns={[
          { key: 'step', label: 'step', format: integer },
          ...series.map((s) => ({ key: s.key, label: s.label, format })),
        ]}
        rows={data}
        last={TABLE_ROWS}
      />
    </>
  );
});

/** A streaming line chart over training steps in its figure, or what will appear in it. */
export function LineSeriesChart(props: {
  title: ReactNode;
  testId: string;
  data: Record<string, number>[];
  series: Series[];
  yTitle: string;
  empty: string;
  yDomain?: [number | 'auto', number | 'auto'];
  yFormat?: (v: number) => string;
  /** Values in the tooltip and the text alternative (defaults to yFormat). */
  valueFormat?: (v: number) => string;
  yTicks?: number[];
  height?: number;
  /** Text for screen readers: defaults to the series of the chart. */
  text?: ReactNode;
  /** The legend, when it differs from `series` (a series drawn over the chart). */
  legend?: Series[];
  overlay?: ReactNode;
  onGeometry?: (g: PlotGeometry) => void;
}) {
  const height = props.height ?? 200;
  return (
    <ChartFigure
      testId={props.testId}
      caption={props.title}
      empty={props.data.length === 0 ? props.empty : null}
      height={height}
      data={{ 'data-points': props.data.length }}
      legend={props.legend ?? (props.series.length > 1 ? props.series : undefined)}
      overlay={props.overlay}
      text={
        props.text ?? (
          <SeriesText
            what={props.yTitle}
            data={props.data}
            series={props.series}
            format={props.valueFormat ?? props.yFormat ?? String}
          />
        )
      }
    >
      <LinePlot
        data={props.data}
        series={props.series}
        yTitle={props.yTitle}
        yDomain={props.yDomain}
        yFormat={props.yFormat}
        valueFormat={props.valueFormat}
        yTicks={props.yTicks}
        height={height}
        onGeometry={props.onGeometry}
      />
    </ChartFigure>
  );
}
