import type { ByteCache } from './byteCache.ts';
import { DatasetLoadError } from './errors.ts';
import type { ManifestFile } from './manifest.ts';
import { sha256Hex } from './sha256.ts';

export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

export interface DownloadDeps {
  fetch: FetchLike;
  cache?: ByteCache;
  signal?: AbortSignal;
}

export function cacheKey(url: string, file: ManifestFile): string {
  return `${url}#sha256=${file.sha256}`;
}

async function readBody(response: Response, url: string, expected: number, onBytes: (n: number) => void) {
  if (!response.body) throw new DatasetLoadError(`${url}: the response has no body.`);
  const bytes = new Uint8Array(expected);
  const reader = response.body.getReader();
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > expected) {
      await reader.cancel();
      throw new DatasetLoadError(`${url} is larger than the ${expected} bytes the manifest lists.`);
    }
    bytes.set(value, received);
    received += value.length;
    onBytes(value.length);
  }
  if (received !== expected) {
    throw new DatasetLoadError(
      `${url} was cut short: received ${received} of ${expected} bytes. Check the connection and retry.`,
    );
  }
  return bytes;
}

/**
 * Returns the file's bytes only once they match the manifest's size and hash, from the cache when a
 * verified copy is there. Nothing unverified is ever cached, so after any error a plain retry starts
 * clean. `onBytes` reports bytes as they arrive (the whole file at once on a cache hit).
 */
export async function fetchVerified(
  url: string,
  file: ManifestFile,
  deps: DownloadDeps,
  onBytes: (n: number, fromCache: boolean) => void,
): Promise<Uint8Array> {
  const key = cacheKey(url, file);
  const cached = await deps.cache?.get(key);
  if (cached) {
    if (cached.length === file.bytes && (await sha256Hex(cached)) === file.sha256) {
      onBytes(cached.length, true);
      return cached;
    }
    await deps.cache?.delete(key);
  }
  let response: Response;
  try {
    response = await deps.fetch(url, { signal: deps.signal });
  } catch (cause) {
    throw new DatasetLoadError(`Could not download ${url}: ${String(cause)}.`, { cause });
  }
  if (!response.ok) throw new DatasetLoadError(`Could not download ${url}: HTTP ${response.status}.`);
  let bytes: Uint8Array;
  try {
    bytes = await readBody(response, url, file.bytes, (n) => onBytes(n, false));
  } catch (cause) {
    if (cause instanceof DatasetLoadError) throw cause;
    throw new DatasetLoadError(`The download of ${url} failed: ${String(cause)}.`, { cause });
  }
  const hash = await sha256Hex(bytes);
  if (hash !== file.sha256) {
    throw new DatasetLoadError(
      `${url} does not match its manifest (sha256 ${hash.slice(0, 12)}…, expected ${file.sha256.slice(0, 12)}…).`,
    );
  }
  try {
    await deps.cache?.put(key, bytes);
  } catch {
    // A full or unavailable cache costs a download on the next visit, not this load.
  }
  return bytes;
}
