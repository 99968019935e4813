/**
 * `npm run histories:record`: runs every workflow for real (a dev server, the simulator, a worker)
 * and saves each run's history under test/fixtures/histories/, which the replay test feeds to
 * `Worker.runReplayHistories` on every CI run. Refresh them after an intended change of workflow
 * behaviour that running workflows may safely see (see docs/upgrading.md); keep the
 * histories of the previous version in a folder beside them, since workflows started by it may
 * still be running when the new code takes over.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { awaitExportViaNexus } from '../examples/nexus-callers/typescript/nexus-caller.js';
import { startCollection, startFleetCollection, startProjectsCollection } from '../src/client/collection.js';
import { startTracking } from '../src/client/tracking.js';
import {
  ALL_SEARCH_ATTRIBUTES,
  DEFAULT_NEXUS_ENDPOINT,
  extendTimeoutUpdate,
  logExportWorkflowId,
  pollNowSignal,
  projectRateLimitWorkflowId,
  projectSummaryWorkflowId,
} from '../src/contract/index.js';
import { startDevServer } from '../src/dev/dev-server.js';
import { createSimulatedWorker } from '../src/dev/simulated-worker.js';
import { ensureNexusEndpoint } from '../src/nexus/endpoint.js';
import { setProjectQuota } from '../src/request-budget/client.js';
import { applyDefaultQuota } from '../src/request-budget/task-queue-config.js';
import { CloudDCSimulator } from '../src/simulator/server.js';

const OUT = new URL('../test/fixtures/histories/', import.meta.url);
const TOKEN = 'record-token';
const PROJECT = 'proj-record';
const TASK_QUEUE = 'record-histories';
/** Another team's namespace, calling through the Nexus endpoint. */
const CALLERS = 'callers';
const POLICY = { minInterval: '100ms', maxInterval: '300ms' } as const;
/** High enough never to slow the recording; set on the task queue so the budget keeper has a default. */
const QUOTA = 500;

Runtime.install({ logger: new DefaultLogger('WARN') });
// A low suggestion makes the longer trackers continue as new, so that path is recorded too.
const env = await startDevServer({
  searchAttributes: ALL_SEARCH_ATTRIBUTES,
  extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60', '--namespace', CALLERS],
});
const sim = await CloudDCSimulator.start({ tokens: [TOKEN] });
const archives = join(tmpdir(), `record-histories-${process.pid}`);
const worker = await createSimulatedWorker({
  connection: env.nativeConnection,
  taskQueue: TASK_QUEUE,
  simulatorUrl: sim.url,
  token: TOKEN,
  archiveDir: archives,
  rateLimitPerSecond: QUOTA,
  requestTimeoutMs: 5_000,
});

try {
  await worker.runUntil(async () => {
    await mkdir(OUT, { recursive: true });
    for (const name of await readdir(OUT)) {
      if (name.endsWith('.json')) await rm(new URL(name, OUT));
    }
    const client = env.client;
    await applyDefaultQuota(
      { service: client.workflowService, namespace: 'default', taskQueue: TASK_QUEUE },
      QUOTA,
    );
    const track = (serverId: string, scenario: Parameters<typeof sim.createExport>[2]) => {
      const record = sim.createExport(PROJECT, serverId, scenario);
      return startTracking(
        client,
        { projectId: PROJECT, serverId, exportId: record.exportId, policy: POLICY },
        { taskQueue: TASK_QUEUE },
      );
    };

    const completed = await track('srv-completed', { durationMs: 1_500, curve: 'steps', steps: 3 });
    await completed.signal(pollNowSignal);
    await completed.executeUpdate(extendTimeoutUpdate, { args: [{ by: '1h' }] });
    await completed.result();
    await save(client, 'track-completed', completed.workflowId);

    const failed = await track('srv-failed', { durationMs: 1_000, outcome: 'failed', failAtPercent: 50 });
    await failed.result().catch(() => undefined);
    await save(client, 'track-failed', failed.workflowId);

    const long = await track('srv-long', { durationMs: 12_000, stall: { atPercent: 30, forMs: 3_000 } });
    await long.result();
    await save(client, 'track-continued-as-new', long.workflowId);

    // Still at its first percent when its timeout comes: the tracker gives up at the deadline,
    // polling there only if its budget allows.
    const timedOutRecord = sim.createExport(PROJECT, 'srv-timed-out', { durationMs: 600_000 });
    const timedOut = await startTracking(
      client,
      {
        projectId: PROJECT,
        serverId: 'srv-timed-out',
        exportId: timedOutRecord.exportId,
        policy: { ...POLICY, timeout: '2s' },
      },
      { taskQueue: TASK_QUEUE },
    );
    await timedOut.result().catch(() => undefined);
    await save(client, 'track-timed-out', timedOut.workflowId);

    const cancelled = await track('srv-cancelled', { durationMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await cancelled.cancel();
    await cancelled.result().catch(() => undefined);
    await save(client, 'track-cancelled', cancelled.workflowId);

    sim.addServer(PROJECT, 'srv-collect', { exportScenario: { durationMs: 1_500 } });
    const collection = await startCollection(
      client,
      { projectId: PROJECT, serverId: 'srv-collect', policy: POLICY },
      { taskQueue: TASK_QUEUE },
    );
    const collected = await collection.result();
    await save(client, 'collect-server', collection.workflowId);
    await save(
      client,
      'collect-server-tracker',
      logExportWorkflowId({ projectId: PROJECT, serverId: 'srv-collect', exportId: collected.exportId }),
    );

    // Enough servers for the fleet to continue as new at the low suggestion, carrying its state.
    const fleetServers = Array.from({ length: 12 }, (_, i) => `srv-f${i + 1}`);
    for (const id of fleetServers) sim.addServer(PROJECT, id, { exportScenario: { durationMs: 1_000 } });
    const fleet = await startFleetCollection(
      client,
      { projectId: PROJECT, serverIds: fleetServers, concurrency: 2, policy: POLICY },
      { taskQueue: TASK_QUEUE, workflowId: 'record-fleet' },
    );
    await fleet.result();
    await save(client, 'collect-fleet', fleet.workflowId);

    // Two projects at once, one of which is refused its listing: a summary per project, and the
    // child that runs one project's fleet.
    sim.addServer(PROJECT, 'srv-p1', { exportScenario: { durationMs: 1_000 } });
    sim.injectFaults({ fault: { kind: 'status', status: 403 }, path: '/v1/proj-refused/physicalservers$' });
    const projects = await startProjectsCollection(
      client,
      {
        projects: [{ projectId: PROJECT, serverIds: ['srv-p1'] }, { projectId: 'proj-refused' }],
        policy: POLICY,
      },
      { taskQueue: TASK_QUEUE, workflowId: 'record-projects' },
    );
    await projects.result();
    await save(client, 'collect-projects', projects.workflowId);
    await save(client, 'collect-projects-summary', projectSummaryWorkflowId(projects.workflowId, PROJECT));

    // The gateway refuses the project twice (its quota is used up elsewhere): the tracker waits
    // out each Retry-After and polls again ahead of the queue, and the budget keeper lowers the
    // project's share; an operator then gives the project a quota of its own.
    const throttledRecord = sim.createExport(PROJECT, 'srv-throttled', { durationMs: 1_500 });
    sim.injectFaults({
      fault: {
        kind: 'status',
        status: 429,
        body: { error_code: 'APIGW.0308', error_msg: 'policy user over ratelimit,limit:500,time:1 second' },
        retryAfter: { seconds: 1, as: 'delta' },
      },
      times: 2,
      path: `/physicalservers/srv-throttled/logs/exports/${throttledRecord.exportId}$`,
    });
    const throttled = await startTracking(
      client,
      { projectId: PROJECT, serverId: 'srv-throttled', exportId: throttledRecord.exportId, policy: POLICY },
      { taskQueue: TASK_QUEUE },
    );
    await throttled.result();
    await save(client, 'track-throttled', throttled.workflowId);
    await setProjectQuota(client, { projectId: PROJECT, quota: 50, taskQueue: TASK_QUEUE });
    await save(client, 'project-rate-limit', projectRateLimitWorkflowId(PROJECT));

    // Two callers in another namespace wait for one export through Nexus; one of them cancels,
    // which the tracker counts, and the other gets the result.
    await ensureNexusEndpoint(env.connection, {
      name: DEFAULT_NEXUS_ENDPOINT,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
    });
    const callerWorker = await Worker.create({
      connection: env.nativeConnection,
      namespace: CALLERS,
      taskQueue: 'record-callers',
      workflowsPath: fileURLToPath(
        new URL('../examples/nexus-callers/typescript/nexus-caller.ts', import.meta.url),
      ),
    });
    await callerWorker.runUntil(async () => {
      const callers = new Client({ connection: env.connection, namespace: CALLERS });
      const nexusRecord = sim.createExport(PROJECT, 'srv-nexus', { durationMs: 3_000 });
      const input = {
        projectId: PROJECT,
        serverId: 'srv-nexus',
        exportId: nexusRecord.exportId,
        policy: POLICY,
      };
      const [leaving, staying] = await Promise.all(
        ['leaving', 'staying'].map((name) =>
          callers.workflow.start<typeof awaitExportViaNexus>('awaitExportViaNexus', {
            taskQueue: 'record-callers',
            workflowId: `record-nexus-${name}`,
            args: [input],
          }),
        ),
      );
      const tracker = client.workflow.getHandle(logExportWorkflowId(input));
      while ((await tracker.describe().catch(() => undefined))?.raw.callbacks?.length !== 2) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await leaving?.cancel();
      await leaving?.result().catch(() => undefined);
      await staying?.result();
      await save(client, 'track-nexus', tracker.workflowId);
    });
  });
} finally {
  await sim.close();
  await env.teardown();
  await rm(archives, { recursive: true, force: true });
}

/** Saves every run of the workflow's continue-as-new chain, first run first. */
async function save(client: Client, name: string, workflowId: string): Promise<void> {
  // Walk back from the latest run through the runs it continued.
  const latest = await client.workflow.getHandle(workflowId).fetchHistory();
  const chain = [latest];
  let first = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
  while (first) {
    const previous = await client.workflow.getHandle(workflowId, first).fetchHistory();
    chain.unshift(previous);
    first = previous.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
  }
  for (const [i, history] of chain.entries()) {
    const file = new URL(`${name}${chain.length > 1 ? `.run${i + 1}` : ''}.json`, OUT);
    await writeFile(
      file,
      `${JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1)}\n`,
    );
  }
  console.log(`${name}: ${chain.length} run(s) of ${workflowId}`);
}
