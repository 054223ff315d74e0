import { describe } from 'vitest';
import { memoryDatasetStore } from '../helpers/memoryDatasetStore.ts';
import { datasetStoreContract } from './datasetStoreContract.ts';

// The IndexedDB store runs the same contract in test/worker/indexedDbDatasetStore.test.ts.
describe('dataset store (in memory)', () => {
  datasetStoreContract(() => memoryDatasetStore());
});
