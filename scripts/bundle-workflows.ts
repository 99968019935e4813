/**
 * The second half of `npm run build`: bundles the compiled workflows once, beside the compiled
 * worker, which loads the bundle instead of running webpack at every start (seconds of CPU and a
 * few hundred MB of memory that a production worker does not need).
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from '../src/worker/tracing.js';
import { WORKFLOW_BUNDLE_FILE } from '../src/worker/tracker-worker.js';

const dist = new URL('../dist/', import.meta.url);
const started = Date.now();
const { code } = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(new URL('workflows/index.js', dist)),
  workflowInterceptorModules,
});
const out = fileURLToPath(new URL(WORKFLOW_BUNDLE_FILE, dist));
await writeFile(out, code);
console.log(`Workflow bundle: ${out} (${Math.round(code.length / 1024)} KiB, ${Date.now() - started} ms)`);
