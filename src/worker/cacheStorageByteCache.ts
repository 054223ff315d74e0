import type { ByteCache } from '../data/byteCache.ts';

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
