/** The TensorFlow.js backends the lab runs on, in the order auto mode tries them. */
export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** What the user picks: a backend, or 'auto' for the first that starts. */
export type BackendChoice = 'auto' | BackendName;

export function isBackendChoice(text: string): text is BackendChoice {
  return text === 'auto' || (BACKEND_NAMES as readonly string[]).includes(text);
}
