/**
 * Errors a user can cause or meet (a broken download, a bad archive). They carry a readable
 * message meant to be shown in the page as is, and stay distinguishable from programming errors.
 */
export class DatasetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetError';
  }
}

/** A dataset file could not be fetched, or it arrived incomplete or different from its manifest. */
export class DatasetLoadError extends DatasetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetLoadError';
  }
}

/** A dropped CIFAR archive (or .bin file) is not one we can read. */
export class ArchiveError extends DatasetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveError';
  }
}
