import { memo, useEffect, useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { LayerGains } from '../../protocol.ts';
import { ofHeldModel } from '../../store/auditSlice.ts';
import { LIPSCHITZ_TOLERANCE, exceedsOne } from '../../sll/auditDefaults.ts';
import { ChartFigure, DataTable, TICK, X_AXIS_HEIGHT, xTitle, yTitle } from '../charts/ChartFigure.tsx';
import { useLab } from '../lab.ts';

const HEIGHT = 220;
const AT_ZERO = '#1f77b4';
const AT_DATA = '#ff7f0e';
const FLAGGED = '#d62728';
const gain = (v: number) => v.toFixed(6);

interface Row {
  name: string;
  atZero: number;
  atData: number;
}

const GainsPlot = memo(function GainsPlot(props: { rows: Row[]; top: number }) {
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <BarChart
        data={props.rows}
        margin={{ top: 12, right: 16, bottom: 0, left: 4 }}
        accessibilityLayer={false}
      >
        <CartesianGrid strokeDasharray="3 3" stroke="#e3e3e3" />
        <XAxis dataKey="name" tick={TICK} height={X_AXIS_HEIGHT} interval={0} label={xTitle('layer')} />
        <YAxis domain={[0, props.top]} tick={TICK} width="auto" label={yTitle('largest gain')} />
        <Tooltip formatter={(v, key) => [gain(Number(v)), key === 'atZero' ? 'at 0' : 'at data']} />
        <ReferenceLine
          y={1}
          stroke="#111"
          strokeDasharray="4 3"
          label={{ value: '1', position: 'right', fontSize: 12 }}
        />
        {(['atZero', 'atData'] as const).map((key) => (
          <Bar key={key} dataKey={key} isAnimationActive={false} fill={key === 'atZero' ? AT_ZERO : AT_DATA}>
            {props.rows.map((r) => (
              <Cell key={r.name} fill={exceedsOne(r[key]) ? FLAGGED : key === 'atZero' ? AT_ZERO : AT_DATA} />
            ))}
          </Bar>
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
});

function flaggedLayers(g: LayerGains): string[] {
  return g.layers
    .filter((l) => exceedsOne(l.atZero) || exceedsOne(l.atData))
    .map((l) => `${l.name}: ${gain(Math.max(l.atZero, l.atData))}`);
}

/** The gains in words: the verdict, the head, and a table of every layer. */
const GainsText = memo(function GainsText(props: { gains: LayerGains }) {
  const { gains } = props;
  return (
    <DataTable
      caption={`Largest gain of each layer at step ${gains.step}`}
      columns={[
        { key: 'layer', label: 'layer', format: (i) => gains.layers[i].name },
        { key: 'atZero', label: 'at 0', format: gain },
        { key: 'atData', label: 'at data points', format: gain },
      ]}
      rows={gains.layers.map((l, i) => ({ layer: i, atZero: l.atZero, atData: l.atData }))}
    />
  );
});

/** The "refresh every N steps" control; it also measures once at once. */
function WatchControl() {
  const every = useLab((s) => s.audit.layerGainsEvery);
  const hasModel = useLab((s) => s.modelConfig !== null);
  const watch = useLab((s) => s.watchLayerGains);
  const [typed, setTyped] = useState(String(every));
  const n = Number(typed);
  const valid = Number.isInteger(n) && n >= 0;
  return (
    <form
      className="explorer-controls"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) watch(n);
      }}
    >
      <label>
        Refresh every
        <input
          type="number"
          min={0}
          step={1}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-invalid={!valid}
          data-testid="layer-gains-every"
        />
        steps (0: never)
      </label>
      <button type="submit" aria-disabled={!valid || !hasModel} data-testid="layer-gains-measure">
        Apply and measure now
      </button>
      {!valid ? (
        <span className="field-error" role="alert">
          Choose a whole number of steps, 0 or more.
        </span>
      ) : null}
    </form>
  );
}

/**
 * Every layer 1-Lipschitz, live: each SLL layer's largest gain (power iteration at 0, the official
 * check, and local Jacobians at data points) with the bound 1 marked, and the head's row norms.
 */
export function LayerGainsChart() {
  const gains = useLab((s) => (ofHeldModel(s.audit.layerGains, s.audit) ? s.audit.layerGains.value : null));
  const every = useLab((s) => s.audit.layerGainsEvery);
  const watch = useLab((s) => s.watchLayerGains);
  const step = useLab((s) => s.step);
  // The worker holds the cadence: tell it the page's once, when the chart first shows.
  const [told, setTold] = useState(false);
  useEffect(() => {
    if (!told) {
      setTold(true);
      watch(every);
    }
  }, [told, watch, every]);
  const rows = gains?.layers.map((l) => ({ name: l.name, atZero: l.atZero, atData: l.atData })) ?? [];
  const top = Math.max(1.1, ...rows.map((r) => Math.max(r.atZero, r.atData) * 1.05));
  const flagged = gains ? flaggedLayers(gains) : [];
  // The cadence control sits outside the figure: nothing inside a chart is a tab stop.
  return (
    <div className="layer-gains">
      <ChartFigure
        testId="layer-gains"
        caption={
          <>
            Every layer 1-Lipschitz: largest gain per layer
            {gains
              ? ` at step ${gains.step}${gains.step !== step ? ` (the model is now at step ${step})` : ''}`
              : ''}
          </>
        }
        empty={gains ? null : 'Each layer\u2019s largest gain appears here once the worker has measured it.'}
        height={HEIGHT}
        data={{ 'data-layers': rows.length, 'data-flagged': flagged.length }}
        legend={[
          { label: 'at 0 (the official check)', color: AT_ZERO },
          { label: 'at data points', color: AT_DATA },
          { label: `above 1 + ${LIPSCHITZ_TOLERANCE}`, color: FLAGGED },
        ]}
        text={gains ? <GainsText gains={gains} /> : null}
        footer={
          <>
            {gains ? (
              <div className="layer-gains-verdict">
                {flagged.length === 0 ? (
                  <p data-testid="layer-gains-verdict">
                    All {gains.layers.length} layers are at or below 1 + {LIPSCHITZ_TOLERANCE} (largest{' '}
                    {gain(Math.max(...rows.map((r) => Math.max(r.atZero, r.atData))))}).
                  </p>
                ) : (
                  <p className="flagged" data-testid="layer-gains-verdict" role="alert">
                    Above 1 + {LIPSCHITZ_TOLERANCE}: {flagged.join('; ')}. Such a layer breaks the
                    certificate.
                  </p>
                )}
                <p data-testid="head-gains">
                  Head (rows normalised): row norms {gain(gains.head.rowNormMin)} to{' '}
                  {gain(gains.head.rowNormMax)}; largest pair gain ‖wᵢ − wⱼ‖/√2 ={' '}
                  {gain(gains.head.largestPairGain)}.
                </p>
              </div>
            ) : null}
          </>
        }
      >
        <GainsPlot rows={rows} top={top} />
      </ChartFigure>
      <WatchControl />
    </div>
  );
}
