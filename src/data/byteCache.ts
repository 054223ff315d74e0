/**
 * Where verified dataset files are kept between visits. Keys name the content (they include its
 * hash), so a regenerated file never matches a stale entry.
 */
export interface ByteCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}
