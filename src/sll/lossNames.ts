/** The official losses by name (plain data, free of tfjs so that the page can list them cheaply). */
export const LOSS_NAMES = ['xent', 'margin', 'xent+margin'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

export function isLossName(name: string): name is LossName {
  return (LOSS_NAMES as readonly string[]).includes(name);
}
