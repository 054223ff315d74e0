/** What a certified radius means for one prediction, in words, at the slider's eps. */
import { radiusLabel } from '../../sll/paperTable.ts';
import { epsLabel } from '../format.ts';

/** A radius as "0.41 (105/255)", or "∞". */
export function radiusText(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(3)} (${radiusLabel(r)})` : '∞';
}

export function certificateSentence(p: {
  correct: boolean;
  radius: number;
  epsSteps: number;
  predictedName: string;
  trueName: string;
}): string {
  const at = `at ε = ${epsLabel(p.epsSteps)}`;
  if (!p.correct)
    return (
      `wrong: the network says ${p.predictedName}, the label is ${p.trueName}. Its radius ` +
      `${radiusText(p.radius)} only protects the wrong answer, so nothing is certified at any ε.`
    );
  const guarantee = Number.isFinite(p.radius)
    ? `no L2 perturbation smaller than ${radiusText(p.radius)} can change this prediction`
    : 'no L2 perturbation of any size can change this prediction (no class can overtake it)';
  return p.radius > p.epsSteps / 255
    ? `certified: ${guarantee}; ${at} it is certified.`
    : `correct but not certified: ${guarantee}; ${at} it is not certified (the radius must exceed ε).`;
}
