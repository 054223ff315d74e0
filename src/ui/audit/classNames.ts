import { useLab } from '../lab.ts';

const NONE: string[] = [];

/** The held dataset's class names, by index ("class k" before the samples arrive). */
export function useClassName(): (k: number) => string {
  const names = useLab((s) => s.samples?.classNames ?? NONE);
  return (k) => names[k] ?? `class ${k}`;
}
