/**
 * What the request-budget benches run on, in this process: a dev server, the CloudDC simulator,
 * and tracker workers whose projects the task queue paces at `quota`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { ALL_SEARCH_ATTRIBUTES } from '../src/contract/index.js';
import { startDevServer } from '../src/dev/dev-server.js';
import { createSimulatedWorker } from '../src/dev/simulated-worker.js';
import { setUpProjectPacing } from '../src/request-budget/project-pacing.js';
import { CloudDCSimulator } from '../src/simulator/server.js';

const TOKEN = 'bench-token';

export async function startPacedStack(name: string, quota: number, log: (line: string) => void) {
  const env = await startDevServer({ searchAttributes: ALL_SEARCH_ATTRIBUTES });
  const sim = await CloudDCSimulator.start({ tokens: [TOKEN], requestLogLimit: 1_000 });
  const archives = await mkdtemp(join(tmpdir(), `${name}-`));
  return {
    env,
    sim,
    /** A worker on `taskQueue`, paced at the quota; the product's workflows unless `workflowBundle`. */
    async worker(taskQueue: string, workflowBundle?: WorkerOptions['workflowBundle']): Promise<Worker> {
      const queue = { service: env.client.workflowService, namespace: 'default', taskQueue };
      return createSimulatedWorker({
        connection: env.nativeConnection,
        taskQueue,
        simulatorUrl: sim.url,
        token: TOKEN,
        archiveDir: archives,
        rateLimitPerSecond: quota,
        pacing: await setUpProjectPacing(queue, quota, log),
        region: 'cn-east-3',
        ...(workflowBundle ? { workflowBundle } : {}),
      });
    },
    async close(): Promise<void> {
      await sim.close();
      await env.teardown();
      await rm(archives, { recursive: true, force: true });
    },
  };
}
