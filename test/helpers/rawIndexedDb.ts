/**
 * IndexedDB through its plain request API, as the lab's stores wrote it before they used idb:
 * tests write records this way to check that existing users' data still loads.
 */
import { IDBFactory } from 'fake-indexeddb';

/** A new, empty IndexedDB as the global one, which idb (like the page) opens. */
export function freshIndexedDb(): IDBFactory {
  const factory = new IDBFactory();
  globalThis.indexedDB = factory;
  return factory;
}

/** Opens `dbName` at version 1 (creating its stores), runs `write` in one transaction, closes it. */
export function writeRaw(
  factory: IDBFactory,
  dbName: string,
  upgrade: (db: IDBDatabase) => void,
  write: (tx: IDBTransaction) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = factory.open(dbName, 1);
    req.onupgradeneeded = () => upgrade(req.result);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(Array.from(db.objectStoreNames), 'readwrite');
      write(tx);
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}
