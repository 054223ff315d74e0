/**
 * Checkpoint records in IndexedDB (fake-indexeddb), damaged or from another version, restored by
 * the page's Trainer: every field deleted, retyped, resized or set to a boundary value. Each is
 * refused with a CheckpointError of its own (or, for a record whose run cannot be built, the
 * Trainer's ConfigError), the current run untouched, and on load the page is told rather than
 * offered the record.
 */
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_VERSION, CheckpointError, readCheckpoint } from '../../src/engine/checkpoints.ts';
import { itFuzzes } from './ci.ts';
import { checkpointTarget } from './targets/checkpoints.ts';

describe('fuzz: checkpoint records', () => {
  it('names a record from another version of the lab', () => {
    expect(() => readCheckpoint({ version: 0 })).toThrow(CheckpointError);
    expect(() => readCheckpoint({ version: 0 })).toThrow(
      `the stored checkpoint cannot be resumed: it was written by an older version of the lab (checkpoint format 0; this version reads format ${CHECKPOINT_VERSION})`,
    );
    expect(() => readCheckpoint('x')).toThrow(/the record is "x", not an object/);
  });

  itFuzzes(
    'refuses every damaged record with its own message, the current run untouched',
    checkpointTarget,
    300,
  );
});
