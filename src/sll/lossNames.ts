/** The official losses by name and constants (plain data, free of tfjs so that the page can list them cheaply). */
export const LOSS_NAMES = ['xent', 'margin', 'xent+margin'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

export function isLossName(name: string): name is LossName {
  return (LOSS_NAMES as readonly string[]).includes(name);
}

/** The offset cross-entropy's offset o = 3*sqrt(2)/2 and temperature T (docs/math.md §3). */
export const XENT_OFFSET = (3 * Math.SQRT2) / 2;
export const XENT_TEMPERATURE = 0.25;
/** MultiMarginLoss's margin. */
export const HINGE_MARGIN = 0.7;
