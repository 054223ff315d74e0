import { expect, it } from 'vitest';
import type { DatasetStore, StoredDataset } from '../../src/data/datasetStore.ts';

/** A small dataset whose pixels depend on `n`, so two versions of one id differ. */
export function dataset(id: string, n: number): StoredDataset {
  const split = (count: number) => ({
    n: count,
    imageSize: 2,
    channels: 3,
    images: Uint8Array.from({ length: count * 12 }, (_, i) => (i * 5 + n) % 256),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
  });
  return {
    id,
    info: {
      name: id,
      imageSize: 2,
      channels: 3,
      classNames: ['a', 'b'],
      mean: [0.5, 0.5, 0.5],
      std: [1, 1, 1],
    },
    source: `${id}.tar.gz`,
    importedAt: '2024-01-02T03:04:05.000Z',
    train: split(n),
    test: split(2),
  };
}

/** What every DatasetStore must do; run inside a describe by each store's own test file. */
export function datasetStoreContract(makeStore: () => DatasetStore): void {
  it('keeps datasets whole, lists them without pixels, and deletes them', async () => {
    const store = makeStore();
    expect(await store.list()).toEqual([]);
    await store.put(dataset('cifar10', 4));
    await store.put(dataset('cifar100', 3));
    const list = await store.list();
    expect(list.map((s) => [s.id, s.trainCount, s.testCount]).sort()).toEqual([
      ['cifar10', 4, 2],
      ['cifar100', 3, 2],
    ]);
    expect(list[0]).not.toHaveProperty('train');
    const back = await store.get('cifar10');
    expect(back).toEqual(dataset('cifar10', 4));
    expect(back!.train.images).toBeInstanceOf(Uint8Array);
    await store.put(dataset('cifar10', 5));
    expect((await store.get('cifar10'))!.train.n).toBe(5);
    await store.delete('cifar10');
    expect(await store.get('cifar10')).toBeUndefined();
    expect((await store.list()).map((s) => s.id)).toEqual(['cifar100']);
  });
}
