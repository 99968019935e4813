/**
 * `npm run build:tools`: the CloudDC simulator as one self-contained file, `dist-tools/simulator.js`,
 * with every package it uses inside, so its container image holds node and that file and nothing
 * of the product's dependencies (tar-stream, which only the simulator needs, is a development one).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const outfile = fileURLToPath(new URL('../dist-tools/simulator.js', import.meta.url));
await build({
  entryPoints: [fileURLToPath(new URL('../src/simulator/main.ts', import.meta.url))],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  logLevel: 'warning',
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
});
console.log(`Simulator: ${outfile}`);
