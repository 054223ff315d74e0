/**
 * Where verified dataset files are kept between visits. Keys name the content (they include its
 * hash), so a regenerated file never matches a stale entry.
 */
export interface ByteCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A cache in a Map, for tests and for Node. */
export function memoryByteCache(): ByteCache & { keys(): string[] } {
  const entries = new Map<string, Uint8Array>();
  return {
    async get(key) {
      return entries.get(key)?.slice();
    },
    async put(key, bytes) {
      entries.set(key, bytes.slice());
    },
    async delete(key) {
      entries.delete(key);
    },
    keys: () => [...entries.keys()],
  };
}
