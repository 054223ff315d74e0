#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so that the CLI and the app share one source.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
