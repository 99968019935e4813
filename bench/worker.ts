/**
 * One strategy's worker, in a process of its own so its CPU time and peak memory are its own.
 * Prints `ready` once polling, and its resource usage as JSON after SIGTERM.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { staticTokenAuth } from '../src/activities/auth/static-token.js';
import { createCloudDCClient } from '../src/activities/clouddc/client.js';
import { createSimulatedWorker } from '../src/dev/simulated-worker.js';
import { setUpProjectPacing } from '../src/request-budget/project-pacing.js';
import { createBaselineActivities } from './activities.js';
import { STRATEGIES } from './strategies.js';

const { BENCH_STRATEGY, BENCH_ADDRESS, BENCH_TASK_QUEUE, BENCH_ENDPOINT, BENCH_TOKEN, BENCH_RATE_LIMIT } = z
  .object({
    BENCH_STRATEGY: z.enum(STRATEGIES),
    BENCH_ADDRESS: z.string(),
    BENCH_TASK_QUEUE: z.string(),
    BENCH_ENDPOINT: z.url(),
    BENCH_TOKEN: z.string(),
    BENCH_RATE_LIMIT: z.coerce.number().positive(),
  })
  .parse(process.env);
const REGION = 'cn-east-3';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const connection = await NativeConnection.connect({ address: BENCH_ADDRESS });
// Only ours is paced: the baselines are the naive pollers it is compared with.
const pacing =
  BENCH_STRATEGY === 'ours'
    ? await setUpProjectPacing(
        { service: connection.workflowService, namespace: 'default', taskQueue: BENCH_TASK_QUEUE },
        BENCH_RATE_LIMIT,
        (message) => console.error(message),
      )
    : 'worker';
const worker =
  BENCH_STRATEGY === 'ours'
    ? await createSimulatedWorker({
        connection,
        taskQueue: BENCH_TASK_QUEUE,
        simulatorUrl: BENCH_ENDPOINT,
        token: BENCH_TOKEN,
        archiveDir: await mkdtemp(join(tmpdir(), 'bench-archives-')),
        rateLimitPerSecond: BENCH_RATE_LIMIT,
        pacing,
        region: REGION,
      })
    : await Worker.create({
        connection,
        namespace: 'default',
        taskQueue: BENCH_TASK_QUEUE,
        workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
        activities: createBaselineActivities(
          createCloudDCClient({ auth: staticTokenAuth(BENCH_TOKEN), timeoutMs: 10_000 }),
          { endpoint: BENCH_ENDPOINT, region: REGION },
        ),
      });

process.once('SIGTERM', () => worker.shutdown());
const running = worker.run();
console.log('ready');
await running;
await connection.close();
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    peakRssMb: usage.maxRSS / 1024,
  }),
);
