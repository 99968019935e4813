import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createProgressBars } from '../cli/progress-view.js';
import { watchTracker } from '../cli/watch.js';
import { startTracking } from '../client/tracking.js';
import {
  ALL_SEARCH_ATTRIBUTES,
  clouddcLogsService,
  DEFAULT_NEXUS_ENDPOINT,
  DEFAULT_TASK_QUEUE,
  type TrackLogExportInput,
} from '../contract/index.js';
import { ensureNexusEndpoint } from '../nexus/endpoint.js';
import { setUpProjectPacing } from '../request-budget/project-pacing.js';
import type { ExportScenarioInput } from '../simulator/scenario.js';
import { CloudDCSimulator } from '../simulator/server.js';
import { DEFAULT_RATE_LIMIT_PER_SECOND } from '../worker/config.js';
import { startDevServer } from './dev-server.js';
import { isFree } from './free-port.js';
import { stopOnSignals } from './shutdown.js';
import { createSimulatedWorker } from './simulated-worker.js';

/**
 * `npm start`: a Temporal dev server with its Web UI, the CloudDC simulator, a worker and a few
 * demo exports tracked live. Ctrl-C stops all of it. DEMO_TIME_SCALE (default 1) shrinks every
 * duration, for the test that checks the demo starts and stops cleanly.
 */
const timeScale = Number(process.env.DEMO_TIME_SCALE ?? '1');
const scaled = (millis: number) => Math.max(1, Math.round(millis * timeScale));
const PROJECT = 'demo-project';
const REGION = 'cn-east-3';

const DEMO_EXPORTS: Array<{ serverId: string; note: string; scenario: ExportScenarioInput }> = [
  { serverId: 'srv-web-01', note: 'steady progress', scenario: { durationMs: scaled(45_000) } },
  {
    serverId: 'srv-db-01',
    note: 'jumps in steps, says Running/Completed, numeric percentage',
    scenario: {
      durationMs: scaled(60_000),
      curve: 'steps',
      steps: 5,
      runningStatus: 'Running',
      finalStatus: 'Completed',
      percentageFormat: 'number',
    },
  },
  {
    serverId: 'srv-cache-01',
    note: 'stalls at 40% for a while',
    scenario: { durationMs: scaled(30_000), stall: { atPercent: 40, forMs: scaled(20_000) } },
  },
  {
    serverId: 'srv-gpu-01',
    note: 'reaches 100% but never says completed',
    scenario: { durationMs: scaled(40_000), runningStatus: 'Running', finalStatus: 'Running' },
  },
  {
    serverId: 'srv-batch-01',
    note: 'fails at 60%',
    scenario: { durationMs: scaled(50_000), outcome: 'failed', failAtPercent: 60 },
  },
];

const shutdown = stopOnSignals();

async function main(): Promise<void> {
  const logDir = join(process.cwd(), '.tools', 'demo');
  await mkdir(logDir, { recursive: true });
  const logFile = join(logDir, 'worker.log');
  const logStream = createWriteStream(logFile, { flags: 'w' });
  // The worker's warnings (retries after injected faults) go to a file so the bars stay readable;
  // signals are handled below, so that everything stops together.
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) =>
      logStream.write(
        `${new Date().toISOString()} ${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {})}\n`,
      ),
    ),
    shutdownSignals: [],
  });

  console.log('Starting the Temporal dev server (finding or installing the Temporal CLI) ...');
  const port = (await isFree(7233)) && (await isFree(8233)) ? 7233 : undefined;
  const env = await startDevServer({
    ui: true,
    searchAttributes: ALL_SEARCH_ATTRIBUTES,
    ...(port ? { port, uiPort: 8233 } : {}),
    log: (line) => console.log(line),
  });
  shutdown.add('the dev server', () => env.teardown());
  const uiPort = port ? 8233 : Number(env.address.split(':').at(-1)) + 1000;

  const token = randomBytes(24).toString('hex');
  const sim = await CloudDCSimulator.start({ tokens: [token] });
  shutdown.add('the simulator', () => sim.close());
  // A little of the weather a real API has: throttling and a failing gateway now and then.
  sim.injectFaults(
    { fault: { kind: 'status', status: 429, retryAfter: { seconds: 2, as: 'delta' } }, times: 3 },
    { fault: { kind: 'status', status: 503 }, times: 2 },
  );

  // As a worker does at start-up: every project's budget, held by the task queue.
  const pacing = await setUpProjectPacing(
    { service: env.client.workflowService, namespace: 'default', taskQueue: DEFAULT_TASK_QUEUE },
    DEFAULT_RATE_LIMIT_PER_SECOND,
    (line) => console.warn(line),
  );
  // Other teams' namespaces reach the service through this endpoint (docs/nexus.md).
  await ensureNexusEndpoint(env.connection, {
    name: DEFAULT_NEXUS_ENDPOINT,
    namespace: 'default',
    taskQueue: DEFAULT_TASK_QUEUE,
  });
  const worker = await createSimulatedWorker({
    connection: env.nativeConnection,
    taskQueue: DEFAULT_TASK_QUEUE,
    simulatorUrl: sim.url,
    token,
    archiveDir: join(process.cwd(), 'archives'),
    rateLimitPerSecond: DEFAULT_RATE_LIMIT_PER_SECOND,
    pacing,
    region: REGION,
  });
  const workerRun = worker.run();
  shutdown.add('the worker', async () => {
    worker.shutdown();
    await workerRun;
    logStream.end();
  });
  if (shutdown.stopping) return;

  console.log(`Temporal frontend:  ${env.address}`);
  console.log(`Web UI:             http://localhost:${uiPort}/namespaces/default/workflows`);
  console.log(`CloudDC simulator:  ${sim.url}`);
  console.log(
    `Nexus endpoint:     ${DEFAULT_NEXUS_ENDPOINT} (service ${clouddcLogsService.name}, docs/nexus.md)`,
  );
  console.log(`Worker log:         ${logFile}`);
  console.log('Demo exports:');
  for (const { serverId, note } of DEMO_EXPORTS) console.log(`  ${serverId.padEnd(13)} ${note}`);
  console.log('');

  const policy = {
    minInterval: `${scaled(2_000)}ms`,
    maxInterval: `${scaled(10_000)}ms`,
    stallTimeout: `${scaled(5 * 60_000)}ms`,
  };
  const bars = createProgressBars();
  const outcomes = await Promise.all(
    DEMO_EXPORTS.map(async ({ serverId, scenario }) => {
      const created = sim.createExport(PROJECT, serverId, scenario);
      const input: TrackLogExportInput = { projectId: PROJECT, serverId, exportId: created.exportId, policy };
      const handle = await startTracking(env.client, input, { taskQueue: DEFAULT_TASK_QUEUE });
      return {
        serverId,
        outcome: await watchTracker(handle, serverId.padEnd(13), bars),
      };
    }),
  );
  bars.stop();
  console.log('');
  for (const { serverId, outcome } of outcomes) {
    console.log(
      `${serverId.padEnd(13)} ${outcome.ok ? `completed (${outcome.result.status}, ${outcome.result.polls} polls)` : `${outcome.type}: ${outcome.message}`}`,
    );
  }
  console.log(
    `\nAll ${outcomes.length} demo exports finished. Everything keeps running so you can explore the Web UI; Ctrl-C stops it.`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  void shutdown.stopAll(1);
});
