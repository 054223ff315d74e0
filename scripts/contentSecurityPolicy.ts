/**
 * The lab's Content-Security-Policy, defined once: the build writes it into index.html as a meta
 * tag, and `vite preview`, the dev server and the browser tests' static hosts send it as a header
 * (vite.config.ts, e2e/). docs/robustness.md ("Security") says what each directive is for.
 */

type Directives = Record<string, string[]>;

/** What the built page may load and run: nothing from another origin. */
const SITE: Directives = {
  'default-src': ["'self'"],
  // tfjs-backend-wasm compiles its .wasm ('wasm-unsafe-eval'); with threads, its pthread workers
  // are blob: URLs made from a script string, and each loads the backend's factory from a Blob.
  'script-src': ["'self'", "'wasm-unsafe-eval'", 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  // Styles come from the built stylesheet only: React and recharts set style properties through
  // the CSSOM, which CSP does not govern.
  'style-src': ["'self'"],
  // The favicon is a data: SVG in index.html.
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'none'"],
};

/** Directives a browser ignores in a meta tag: only a host's header can carry them. */
const HEADER_ONLY: Directives = {
  'frame-ancestors': ["'none'"],
};

/**
 * The dev server's differences, and only those: @vitejs/plugin-react puts react-refresh's preamble
 * inline in the page, Vite injects each imported stylesheet as a <style> element, and HMR talks over
 * a WebSocket to the same host and port (which 'self' matches).
 */
const DEV: Directives = {
  'script-src': [...SITE['script-src'], "'unsafe-inline'"],
  'style-src': [...SITE['style-src'], "'unsafe-inline'"],
};

const serialize = (directives: Directives) =>
  Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');

/** For the built index.html's `<meta http-equiv="Content-Security-Policy">`. */
export const META_POLICY = serialize(SITE);

/** The header a host should send with every file of the built site (workers take theirs from it). */
export const HEADER_POLICY = serialize({ ...SITE, ...HEADER_ONLY });

/** The header the dev server sends (`npm run dev`, the browser tests' pages). */
export const DEV_HEADER_POLICY = serialize({ ...SITE, ...HEADER_ONLY, ...DEV });
