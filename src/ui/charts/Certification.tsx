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
import type { PgdCurve } from '../../protocol.ts';
import { ofHeldModel } from '../../store/auditSlice.ts';
import { epsLabel, percent } from '../format.ts';
import { useLab } from '../lab.ts';
import {
  ChartFigure,
  DataTable,
  EpsMarker,
  OverlayLine,
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
        <Line dataKey="accuracy" stroke={CURVE_COLOR} dot={false} isAnimationActive={false} />
        <PlotAreaProbe onChange={props.onGeometry} />
      </LineChart>
    </ResponsiveContainer>
  );
});

const CURVE_COLOR = '#2ca02c';
const SAME_IMAGES_COLOR = '#1f77b4';
const PGD_COLOR = '#d62728';

/**
 * A PGD curve's two accuracies against eps over the same images: certified from their certified
 * radii, and under PGD from their empirical radii (correct, and no adversarial image within eps).
 */
interface PgdOverlay {
  curve: PgdCurve;
  certified: CertifiedIndex;
  pgd: CertifiedIndex;
  certifiedPoints: { x: number; y: number }[];
  pgdPoints: { x: number; y: number }[];
}

function pgdOverlay(curve: PgdCurve): PgdOverlay {
  const { labels, predictions } = curve;
  const certified = { labels, predictions, radii: curve.certifiedRadii };
  const pgd = { labels, predictions, radii: curve.empiricalRadii };
  const points = (c: typeof certified) => certifiedCurve(c).map((p) => ({ x: p.eps, y: p.accuracy }));
  return {
    curve,
    certified: certifiedIndex(certified),
    pgd: certifiedIndex(pgd),
    certifiedPoints: points(certified),
    pgdPoints: points(pgd),
  };
}

const CurveText = memo(function CurveText(props: { index: CertifiedIndex; overlay: PgdOverlay | null }) {
  const { overlay } = props;
  const rows = CURVE_TEXT_STEPS.map((k) => ({
    k,
    accuracy: certifiedAccuracyAt(props.index, k / 255),
    ...(overlay
      ? {
          sameImages: certifiedAccuracyAt(overlay.certified, k / 255),
          pgd: certifiedAccuracyAt(overlay.pgd, k / 255),
        }
      : {}),
  }));
  const m = overlay?.curve.n.toLocaleString('en-US');
  return (
    <>
      <p>
        Certified accuracy falls from {percent(rows[0].accuracy)} at ε = 0 to {percent(rows.at(-1)?.accuracy)}{' '}
        at ε = 255/255.
        {overlay
          ? ` On the first ${m} test images, PGD accuracy (from each image's empirical radius) stays at or above their certified accuracy; the gap is the certificate's slack.`
          : ''}
      </p>
      <DataTable
        caption="Certified accuracy at some ε"
        columns={[
          { key: 'k', label: 'ε', format: (k) => epsLabel(k) },
          { key: 'accuracy', label: 'certified accuracy', format: (v) => percent(v) },
          ...(overlay
            ? [
                {
                  key: 'sameImages',
                  label: `certified, first ${m} images`,
                  format: (v: number) => percent(v),
                },
                { key: 'pgd', label: `PGD, first ${m} images`, format: (v: number) => percent(v) },
              ]
            : []),
        ]}
        rows={rows}
      />
    </>
  );
});

/**
 * The gap between the PGD and the certified curve at the slider's eps, drawn over the plot as a
 * bracket with its size: the certificate's slack there.
 */
function SlackMarker(props: { geometry: PlotGeometry | null; overlay: PgdOverlay; eps: number }) {
  const g = props.geometry;
  if (!g) return null;
  const pgd = certifiedAccuracyAt(props.overlay.pgd, props.eps);
  const certified = certifiedAccuracyAt(props.overlay.certified, props.eps);
  const t = g.xMax === g.xMin ? 0.5 : Math.min(1, Math.max(0, (props.eps - g.xMin) / (g.xMax - g.xMin)));
  const top = g.y + g.height * (1 - Math.max(pgd, certified));
  const height = g.height * Math.abs(pgd - certified);
  return (
    <div
      className={t > 0.5 ? 'slack-marker before' : 'slack-marker'}
      data-testid="pgd-slack-marker"
      style={{ left: g.x + g.width * t, top, height }}
    >
      <span>slack {((pgd - certified) * 100).toFixed(1)} pts</span>
    </div>
  );
}

export function CertifiedCurve() {
  const latest = useLatestRadii();
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const empty = useEmptyText('Certified accuracy against ε appears');
  const index = useMemo(() => (latest ? certifiedIndex(latest) : null), [latest]);
  const data = useMemo(() => (latest ? certifiedCurve(latest) : []), [latest]);
  const [geometry, setGeometry] = useState<PlotGeometry | null>(null);
  const eps = epsSteps / 255;
  const accuracy = index ? certifiedAccuracyAt(index, eps) : null;
  const curve = useLab((s) => (ofHeldModel(s.audit.pgdCurve, s.audit) ? s.audit.pgdCurve.value : null));
  const stale = useLab((s) => curve !== null && curve.step !== s.step);
  const overlay = useMemo(() => (curve ? pgdOverlay(curve) : null), [curve]);
  const m = overlay?.curve.n.toLocaleString('en-US');
  return (
    <ChartFigure
      testId="certified-curve"
      caption={
        <>
          Certified accuracy against ε (from the radii, no retraining)
          {overlay
            ? `, and under PGD on the first ${m} test images (step ${overlay.curve.step}${stale ? ', an earlier step' : ''})`
            : ''}
        </>
      }
      empty={index ? null : empty}
      height={HEIGHT}
      text={index ? <CurveText index={index} overlay={overlay} /> : null}
      data={{ 'data-pgd-images': overlay?.curve.n ?? 0 }}
      legend={
        overlay
          ? [
              {
                label: `certified, latest evaluation (${latest?.n.toLocaleString('en-US')} images)`,
                color: CURVE_COLOR,
              },
              { label: `certified, first ${m} images`, color: SAME_IMAGES_COLOR },
              {
                label: `PGD, first ${m} images (its gap to blue: the certificate's slack)`,
                color: PGD_COLOR,
              },
            ]
          : undefined
      }
      overlay={
        <>
          {overlay ? (
            <>
              <OverlayLine
                geometry={geometry}
                points={overlay.certifiedPoints}
                color={SAME_IMAGES_COLOR}
                dots={false}
                testId="certified-curve-same-images"
              />
              <OverlayLine
                geometry={geometry}
                points={overlay.pgdPoints}
                color={PGD_COLOR}
                dots={false}
                testId="pgd-curve"
              />
              <SlackMarker geometry={geometry} overlay={overlay} eps={eps} />
            </>
          ) : null}
          <EpsMarker
            geometry={geometry}
            value={eps}
            label={`ε ${epsLabel(epsSteps)}: ${percent(accuracy)}`}
            yFraction={accuracy}
            testId="certified-curve-eps"
          />
        </>
      }
    >
      <CurvePlot data={data} onGeometry={setGeometry} />
    </ChartFigure>
  );
}
