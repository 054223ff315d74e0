import { fileURLToPath } from 'node:url';

/** Where `npm run datasets` writes the shipped datasets and the dev server serves them from. */
export const DEFAULT_DATASETS_DIR = fileURLToPath(new URL('../../public/datasets', import.meta.url));
