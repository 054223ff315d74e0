import { useMemo } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { certifiedAccuracy } from '../../sll/certify.ts';
import { certifiedCurve, radiusHistogram } from '../../sll/radii.ts';
import { epsLabel, percent } from '../format.ts';
import { useLab } from '../lab.ts';

function useLatestRadii() {
  return useLab((s) => s.evaluations.findLast((e) => e.radii.length > 0));
}

export function RadiusHistogram() {
  const latest = useLatestRadii();
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const eps = epsSteps / 255;
  const bins = useMemo(() => (latest ? radiusHistogram(latest, 40, 1) : []), [latest]);
  const data = bins.map((b) => ({ mid: (b.from + b.to) / 2, count: b.count }));
  const certified = latest ? certifiedAccuracy(latest, latest.labels, eps) : null;
  return (
    <figure className="panel chart" data-testid="radius-histogram" data-bins={data.length}>
      <figcaption>
        Certified radius of correctly classified test images ·{' '}
        <strong data-testid="fraction-certified">{percent(certified)}</strong> certified at ε ={' '}
        {epsLabel(epsSteps)}
      </figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <BarChart data={data} margin={{ top: 5, right: 16, bottom: 5, left: 0 }} barCategoryGap={1}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e3e3" />
          <XAxis dataKey="mid" type="number" domain={[0, 1]} tickFormatter={(v: number) => v.toFixed(2)} />
          <YAxis allowDecimals={false} width={40} />
          <Tooltip labelFormatter={(v) => `radius ≈ ${Number(v).toFixed(3)}`} />
          <Bar dataKey="count" fill="#1f77b4" isAnimationActive={false} />
          <ReferenceLine
            x={eps}
            stroke="#e377c2"
            strokeWidth={2}
            label={{ value: `ε ${epsLabel(epsSteps)}`, position: 'top' }}
          />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function CertifiedCurve() {
  const latest = useLatestRadii();
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const data = useMemo(() => (latest ? certifiedCurve(latest) : []), [latest]);
  return (
    <figure className="panel chart" data-testid="certified-curve">
      <figcaption>Certified accuracy against ε (from the radii, no retraining)</figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <LineChart data={data} margin={{ top: 5, right: 16, bottom: 5, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e3e3" />
          <XAxis dataKey="eps" type="number" domain={[0, 1]} tickFormatter={(v: number) => v.toFixed(2)} />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} width={48} />
          <Tooltip
            formatter={(v) => percent(Number(v))}
            labelFormatter={(v) => `ε = ${Number(v).toFixed(3)}`}
          />
          <Line dataKey="accuracy" stroke="#2ca02c" dot={false} isAnimationActive={false} />
          <ReferenceLine x={epsSteps / 255} stroke="#e377c2" strokeWidth={2} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
