/**
 * What every chart shares: a figure named by its caption, a placeholder that says what will appear
 * while there is nothing to draw, the recharts drawing (hidden from screen readers, no tab stops),
 * a visually hidden text alternative, and the eps marker, drawn over the plot instead of inside it
 * so that a slider step re-renders a few divs and never the chart.
 */
import { type ReactNode, memo, useEffect, useId, useRef } from 'react';
import { usePlotArea, useXAxisDomain } from 'recharts';

/** Where recharts put the plot area (pixels from the chart's top-left) and the x domain it drew. */
export interface PlotGeometry {
  x: number;
  y: number;
  width: number;
  height: number;
  xMin: number;
  xMax: number;
}

/** Axis tick labels and titles: one size everywhere, a little smaller than the page text. */
export const TICK = { fontSize: 12 };

/** A y-axis title, rotated along the axis, centred in the axis' left edge. */
export function yTitle(value: string) {
  return {
    value,
    angle: -90,
    position: 'insideLeft' as const,
    style: { textAnchor: 'middle' as const, fontSize: 12 },
  };
}

/** An x-axis title under the tick labels (give the axis `height={X_AXIS_HEIGHT}`). */
export function xTitle(value: string) {
  return { value, position: 'insideBottom' as const, style: { fontSize: 12 } };
}

export const X_AXIS_HEIGHT = 38;

/**
 * Rendered inside a recharts chart: reports the plot area and x domain whenever they change, so
 * that overlays outside the chart can be drawn in its coordinates.
 */
export function PlotAreaProbe(props: { onChange: (g: PlotGeometry) => void }) {
  const area = usePlotArea();
  const domain = useXAxisDomain();
  const xMin = typeof domain?.[0] === 'number' ? domain[0] : NaN;
  const xMax = typeof domain?.[1] === 'number' ? domain[1] : NaN;
  const { onChange } = props;
  const [x, y, width, height] = [area?.x ?? NaN, area?.y ?? NaN, area?.width ?? NaN, area?.height ?? NaN];
  useEffect(() => {
    if ([x, y, width, height, xMin, xMax].every(Number.isFinite) && width > 0 && xMax >= xMin)
      onChange({ x, y, width, height, xMin, xMax });
  }, [onChange, x, y, width, height, xMin, xMax]);
  return null;
}

/**
 * The eps marker over a plot: a vertical line at `value` on the x axis, its label above the plot
 * area (on the side with room, so it is never clipped), and optionally a dot at `yFraction` of the
 * plot height (0 = bottom).
 */
export function EpsMarker(props: {
  geometry: PlotGeometry | null;
  value: number;
  label: string;
  yFraction?: number | null;
  testId: string;
}) {
  const g = props.geometry;
  if (!g) return null;
  const t = g.xMax === g.xMin ? 0.5 : Math.min(1, Math.max(0, (props.value - g.xMin) / (g.xMax - g.xMin)));
  const left = g.x + g.width * t;
  const y = props.yFraction;
  return (
    <div
      className="eps-marker"
      data-testid={props.testId}
      style={{ left, top: g.y, height: g.height }}
      data-x={left.toFixed(2)}
    >
      <span className={t > 0.5 ? 'eps-label before' : 'eps-label after'}>{props.label}</span>
      {y !== undefined && y !== null && Number.isFinite(y) ? (
        <span className="eps-dot" style={{ top: g.height * (1 - Math.min(1, Math.max(0, y))) }} />
      ) : null}
    </div>
  );
}

/**
 * Keeps a chart's drawing out of the tab order. recharts draws into `<g>` layers through React
 * portals; React listens for focus events on every portal container, and Chromium makes an SVG
 * element with focus listeners a tab stop. `tabindex="-1"` takes each layer out of the sequence.
 */
function useNoTabStops() {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    const untab = () => {
      for (const g of root.querySelectorAll('g[class*="recharts-zIndex-layer"]:not([tabindex])'))
        g.setAttribute('tabindex', '-1');
    };
    untab();
    const observer = new MutationObserver(untab);
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, []);
  return ref;
}

/** The drawing and what is drawn over it: hidden from screen readers, never a tab stop. */
function ChartBody(props: { height: number; children: ReactNode; overlay: ReactNode }) {
  const ref = useNoTabStops();
  return (
    <div className="chart-body" ref={ref} aria-hidden="true" style={{ height: props.height }}>
      {props.children}
      {props.overlay}
    </div>
  );
}

/**
 * A chart's figure. `children` is the drawing (a memoised recharts chart) and `overlay` what is
 * drawn over it; while `empty` is a string, that sentence stands in their place at the same height.
 */
export function ChartFigure(props: {
  testId: string;
  caption: ReactNode;
  empty: string | null;
  height: number;
  text: ReactNode;
  children: ReactNode;
  overlay?: ReactNode;
  /** Series names and colours, in this order, under the drawing (one series needs none). */
  legend?: { label: string; color: string }[];
  /** Visible content under the chart (or its placeholder): a verdict, a control. */
  footer?: ReactNode;
  data?: Record<`data-${string}`, string | number>;
}) {
  const captionId = useId();
  return (
    <figure className="panel chart" data-testid={props.testId} aria-labelledby={captionId} {...props.data}>
      <figcaption id={captionId}>{props.caption}</figcaption>
      {props.empty !== null ? (
        <p className="chart-empty" data-testid={`${props.testId}-empty`} style={{ height: props.height }}>
          {props.empty}
        </p>
      ) : (
        <>
          <ChartBody height={props.height} overlay={props.overlay}>
            {props.children}
          </ChartBody>
          {props.legend ? <ChartLegend items={props.legend} /> : null}
          <div className="chart-text" data-testid={`${props.testId}-text`}>
            {props.text}
          </div>
        </>
      )}
      {props.footer}
    </figure>
  );
}

/**
 * A legend in the order given, drawn by the page rather than by recharts: its words never change
 * with eps, so it keeps its place and its line breaks.
 */
const ChartLegend = memo(function ChartLegend(props: { items: { label: string; color: string }[] }) {
  return (
    <ul className="chart-legend" aria-hidden="true">
      {props.items.map((item) => (
        <li key={item.label}>
          <span className="swatch" style={{ background: item.color }} />
          {item.label}
        </li>
      ))}
    </ul>
  );
});

/**
 * A line drawn over a plot by the page: `points` in data coordinates (x on the chart's x domain,
 * y in [0, 1] from bottom to top), broken where y is null, with dots when `dots`.
 */
export function OverlayLine(props: {
  geometry: PlotGeometry | null;
  points: { x: number; y: number | null }[];
  color: string;
  dots: boolean;
  testId: string;
}) {
  const g = props.geometry;
  if (!g) return null;
  // A domain of one value (one evaluation) is drawn in the middle, as recharts does.
  const px = (x: number) =>
    g.xMax === g.xMin ? g.x + g.width / 2 : g.x + ((x - g.xMin) / (g.xMax - g.xMin)) * g.width;
  const py = (y: number) => g.y + g.height * (1 - y);
  const segments: string[] = [];
  let current: string[] = [];
  const drawn: { x: number; y: number }[] = [];
  for (const p of props.points) {
    if (p.y === null) {
      if (current.length > 0) segments.push(current.join('L'));
      current = [];
      continue;
    }
    const [x, y] = [px(p.x), py(p.y)];
    drawn.push({ x, y });
    current.push(`${x},${y}`);
  }
  if (current.length > 0) segments.push(current.join('L'));
  return (
    <svg className="overlay-line" data-testid={props.testId}>
      {segments.map((d, i) => (
        <path key={i} d={`M${d}`} stroke={props.color} strokeWidth={1.5} fill="none" />
      ))}
      {props.dots
        ? drawn.map((p, i) => <circle key={i} cx={p.x} cy={p.y} r={3} stroke={props.color} fill="#fff" />)
        : null}
    </svg>
  );
}

/** A visually hidden table of the last `last` rows of a series, for screen readers. */
export const DataTable = memo(function DataTable(props: {
  caption: string;
  columns: { key: string; label: string; format: (v: number) => string }[];
  rows: Record<string, number>[];
  last?: number;
}) {
  const rows = props.last === undefined ? props.rows : props.rows.slice(-props.last);
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th scope="col" key={c.key}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {props.columns.map((c) => (
              <td key={c.key}>{r[c.key] === undefined ? '—' : c.format(r[c.key])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
});
