import { execFileSync } from 'node:child_process';

/** Debian's Python, with Debian's PyTorch, NumPy, Pillow and ONNX (.ci/run installs them). */
export const PYTHON = '/usr/bin/python3';

/** Can PYTHON import every one of `modules` (comma-separated, as in an import statement)? */
export function pythonCanImport(modules: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
