import type { ByteCache } from '../../src/data/byteCache.ts';

/** A cache in a Map, standing in for the browser's Cache API. */
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
