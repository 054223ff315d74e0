/**
 * Where verified dataset files are kept between visits. Keys name the content (they include its
 * hash), so a regenerated file never matches a stale entry.
 */
export interface ByteCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The browser's Cache API (available in windows and workers). */
export function cacheStorageByteCache(cacheName = 'sll-lab-datasets-v1'): ByteCache {
  // Cache API keys are requests: a fixed origin-relative URL per key keeps them valid everywhere.
  const request = (key: string) =>
    new Request(new URL(`/__sll-lab-cache/${encodeURIComponent(key)}`, location.href));
  return {
    async get(key) {
      const response = await (await caches.open(cacheName)).match(request(key));
      return response ? new Uint8Array(await response.arrayBuffer()) : undefined;
    },
    async put(key, bytes) {
      const body = new Blob([bytes as Uint8Array<ArrayBuffer>]);
      await (await caches.open(cacheName)).put(request(key), new Response(body));
    },
    async delete(key) {
      await (await caches.open(cacheName)).delete(request(key));
    },
  };
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
