import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface Series {
  key: string;
  label: string;
  color: string;
}

/** A streaming line chart over training steps; animation off so that live updates stay cheap. */
export function LineSeriesChart(props: {
  title: string;
  testId: string;
  data: Record<string, number>[];
  series: Series[];
  yDomain?: [number | 'auto', number | 'auto'];
  yFormat?: (v: number) => string;
  height?: number;
}) {
  return (
    <figure className="panel chart" data-testid={props.testId} data-points={props.data.length}>
      <figcaption>{props.title}</figcaption>
      <ResponsiveContainer width="100%" height={props.height ?? 200}>
        <LineChart data={props.data} margin={{ top: 5, right: 16, bottom: 5, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e3e3" />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} tickCount={6} />
          <YAxis domain={props.yDomain ?? ['auto', 'auto']} tickFormatter={props.yFormat} width={48} />
          <Tooltip
            formatter={(v) => (typeof v === 'number' && props.yFormat ? props.yFormat(v) : String(v))}
          />
          {props.series.length > 1 ? <Legend /> : null}
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
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
