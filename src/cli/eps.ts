import { PAPER_EPSILONS } from '../sll/certify.ts';
import { CliError } from './errors.ts';

export interface EpsChoice {
  /** As the user wrote it (or 4 decimals for the defaults): the key in JSON reports. */
  key: string;
  value: number;
}

/** Comma-separated decimals or fractions (`0.1412,36/255`); default: the paper's four radii. */
export function parseEpsList(text: string | undefined): EpsChoice[] {
  if (text === undefined) return PAPER_EPSILONS.map((value) => ({ key: value.toFixed(4), value }));
  return text.split(',').map((raw) => {
    const key = raw.trim();
    const parts = key.split('/');
    const value = parts.length === 2 ? Number(parts[0]) / Number(parts[1]) : Number(key);
    if (key === '' || parts.length > 2 || !Number.isFinite(value) || value < 0) {
      throw new CliError(`--eps: "${raw}" is not a non-negative number or fraction`);
    }
    return { key, value };
  });
}
