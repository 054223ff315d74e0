// The npm package `webgpu` (Dawn for Node) is not a project dependency; this is what run.ts uses of it.
declare module 'webgpu' {
  export function create(flags: string[]): unknown;
  export const globals: Record<string, unknown>;
}
