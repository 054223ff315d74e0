import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * The folder map (README, "Folders") as rules: what each folder of src may import. Imports are
 * matched as written; every src file imports its neighbours by relative path.
 */
const TFJS = { regex: '^@tensorflow/', message: 'no tensor code here: see the folder map in the README' };
const BACKEND_PACKAGES = {
  regex: '^@tensorflow/tfjs-(backend|node)',
  message: 'backends are chosen by the glue (src/worker, src/cli), not here',
};
const REACT = { regex: '^react(-dom)?(/|$)', message: 'React belongs to src/ui' };
const NODE = { regex: '^node:', message: 'Node built-ins belong to src/cli (and tests, scripts, bench)' };
const OUTSIDE_SRC = {
  regex: '^(\\.\\./)+(test|bench|e2e|scripts)/',
  message: 'src never imports tests, benchmarks, browser tests or build scripts',
};
const PROTOCOL = { regex: '(^|/)protocol\\.ts$', message: 'the page-worker protocol is not for this folder' };
/** Imports of other folders of src, from any depth inside one. */
const folders = (...names) => ({
  regex: `^(\\.\\./)+(${names.join('|')})/`,
  message: `this folder may not import src/{${names.join(',')}}: see the folder map in the README`,
});
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
/** The rules for src/{folder}, which may not import src/{sibling} either. */
const tensorFreeOfGlue = (folder, sibling) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: restrict(
    BACKEND_PACKAGES,
    REACT,
    NODE,
    OUTSIDE_SRC,
    PROTOCOL,
    folders(sibling, 'engine', 'worker', 'cli', 'store', 'ui'),
  ),
});
/** Globals of a browser page or worker, or of Node: platform-neutral folders use none of them. */
const PLATFORM_GLOBALS = [
  'window',
  'document',
  'self',
  'postMessage',
  'navigator',
  'process',
  'caches',
  'location',
];

export default tseslint.config(
  {
    ignores: [
      'dist',
      'node_modules',
      'public/datasets',
      'coverage',
      'tmp',
      'scratch',
      'e2e/artifacts',
      'bench/artifacts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // `const { type, ...rest } = event` drops a field on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/sll/**/*.ts'],
    rules: restrict(TFJS, REACT, NODE, {
      regex: '^\\.\\./',
      message: 'src/sll is self-contained: it imports only its own files',
    }),
  },
  // Tensor code and datasets: neither knows the other, the engine, the glue or the page.
  tensorFreeOfGlue('kernels', 'data'),
  tensorFreeOfGlue('data', 'kernels'),
  {
    files: ['src/engine/**/*.ts'],
    rules: restrict(BACKEND_PACKAGES, REACT, NODE, OUTSIDE_SRC, folders('worker', 'cli', 'store', 'ui')),
  },
  {
    files: ['src/sll/**/*.ts', 'src/kernels/**/*.ts', 'src/data/**/*.ts', 'src/engine/**/*.ts'],
    languageOptions: { globals: { ...globals.es2022 } },
    rules: { 'no-restricted-globals': ['error', ...PLATFORM_GLOBALS] },
  },
  {
    files: ['src/protocol.ts'],
    rules: restrict(TFJS, REACT, NODE, {
      regex: '^\\./(?!sll/)',
      message: 'the protocol is types only: it may use the types of src/sll and nothing else',
    }),
  },
  {
    files: ['src/worker/**/*.ts'],
    rules: restrict(REACT, NODE, OUTSIDE_SRC, folders('cli', 'store', 'ui')),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict(REACT, OUTSIDE_SRC, folders('worker', 'store', 'ui')),
  },
  {
    // The page runs no tensor code: it starts the worker by URL and speaks the protocol.
    files: ['src/store/**/*.ts', 'src/ui/**/*.{ts,tsx}', 'src/main.tsx'],
    rules: restrict(TFJS, NODE, OUTSIDE_SRC, folders('kernels', 'data', 'engine', 'worker', 'cli'), {
      regex: '^\\./(kernels|data|engine|worker|cli)/',
      message: 'the page imports no tensor code, engine or worker internals',
    }),
  },
  {
    files: ['bench/**/*.ts'],
    rules: restrict({ regex: '(^|/)e2e/', message: 'bench owns its harnesses: it imports nothing from e2e' }),
  },
);
