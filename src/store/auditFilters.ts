/**
 * Which test images the explorer steps through: each evaluated image is certified at eps, correct
 * but not certified, or wrong (its index in the evaluation is its test index, since evaluations
 * cover the first n test images).
 */
import type { ImportedDatasetSummary } from '../protocol.ts';
import { CIFAR_TEST_IMAGES } from '../sll/cifar.ts';
import type { LabelledCertificates } from '../sll/radii.ts';

export type Verdict = 'certified' | 'correct' | 'wrong';

export type ExplorerFilter = 'all' | Verdict;

/** Certified means correct with a radius strictly greater than eps, as in certify.ts. */
export function verdictOf(prediction: number, label: number, radius: number, eps: number): Verdict {
  if (prediction !== label) return 'wrong';
  return radius > eps ? 'certified' : 'correct';
}

/** Ascending test indices of the evaluated images that the filter keeps at eps. */
export function matchingIndices(e: LabelledCertificates, filter: Verdict, eps: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < e.labels.length; i++)
    if (verdictOf(e.predictions[i], e.labels[i], e.radii[i], eps) === filter) out.push(i);
  return out;
}

/** The match before or after `current` (which need not match itself); null past either end. */
export function neighbourMatch(matches: number[], current: number, direction: -1 | 1): number | null {
  if (direction === 1) return matches.find((i) => i > current) ?? null;
  return matches.findLast((i) => i < current) ?? null;
}

/** Test images of a dataset: an imported archive's own count, else the CIFAR test split. */
export function testSetSize(dataset: string, imported: ImportedDatasetSummary[]): number {
  return imported.find((d) => d.id === dataset)?.testCount ?? CIFAR_TEST_IMAGES;
}
