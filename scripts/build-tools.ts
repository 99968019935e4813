/**
 * `npm run build:tools`: the CloudDC simulator, and the bucket set-up step of the compose file's
 * simulator profile, each as one self-contained file in `dist-tools/`, with every package it uses
 * inside: their container image holds node and those files and none of the product's dependencies
 * (tar-stream, which only the simulator needs, is a development one).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const tools = {
  simulator: 'src/simulator/main.ts',
  'create-archive-bucket': 'src/dev/create-archive-bucket.ts',
};
await build({
  entryPoints: Object.fromEntries(
    Object.entries(tools).map(([name, path]) => [
      name,
      fileURLToPath(new URL(`../${path}`, import.meta.url)),
    ]),
  ),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: fileURLToPath(new URL('../dist-tools/', import.meta.url)),
  logLevel: 'warning',
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
});
console.log(
  `Built ${Object.keys(tools)
    .map((name) => `dist-tools/${name}.js`)
    .join(', ')}`,
);
