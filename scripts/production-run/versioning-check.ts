import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import protos from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startTracking } from '../../src/client/tracking.js';
import { DEFAULT_TASK_QUEUE } from '../../src/contract/index.js';
import { stopChild } from '../../src/dev/stop-child.js';
import { waitFor } from '../../src/dev/wait-for.js';
import { workflowInterceptorModules } from '../../src/worker/tracing.js';
import { DEFAULT_DEPLOYMENT_NAME } from '../../src/worker-deployment/contract.js';
import { describeDeployment } from '../../src/worker-deployment/routing.js';
import { POLICY, RESULTS_TIMEOUT_MS, type RunContext } from './context.js';
import { check, figure, say } from './report.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const EventType = protos.temporal.api.enums.v1.EventType;
const PROJECT = 'proj-v';

/**
 * (f) A rollout under running trackers, as docs/upgrading.md tells it: a build 2 whose trackers
 * begin with a timer (so it could not replay build 1's; the fixture of the versioning test) joins,
 * is ramped and promoted with `clouddc-logs deploy`; the trackers build 1 started finish on build 1
 * without a nondeterminism error, new ones run on build 2, build 1 drains, its workers stop, and
 * tracking goes on on build 2 alone.
 */
export async function rolloutUnderRunningTrackers(ctx: RunContext): Promise<void> {
  const place = { service: ctx.client.workflowService, namespace: ctx.client.options.namespace };
  const buildOne = (await describeDeployment(place, DEFAULT_DEPLOYMENT_NAME)).view.currentBuildId;
  check(buildOne !== null, 'the first workers made their build current');
  const buildTwo = `${buildOne}-build-2`;

  const old = await Promise.all(['srv-v1', 'srv-v2', 'srv-v3'].map((id) => track(ctx, id, 8_000)));
  for (const handle of old) await settlesOn(handle, buildOne);

  const bundlePath = join(ctx.workDir, 'build-2-workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(root, 'test/fixtures/build-2/workflows.ts'),
    workflowInterceptorModules,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  await writeFile(bundlePath, code);
  const second = await ctx.startWorker('worker-build-2', {
    TEMPORAL_WORKFLOW_BUNDLE: bundlePath,
    TEMPORAL_WORKER_BUILD_ID: buildTwo,
  });
  await waitFor(() => (second.output().includes(`Build ${buildTwo} joined`) ? true : undefined), {
    what: 'build 2 to join the deployment',
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  await deploy(ctx, 'ramp', buildTwo, '--percent', '50');
  await deploy(ctx, 'promote', buildTwo);
  const fresh = await Promise.all(['srv-v4', 'srv-v5'].map((id) => track(ctx, id, 2_000)));
  for (const handle of fresh) await settlesOn(handle, buildTwo);

  const results = await Promise.all([...old, ...fresh].map((handle) => handle.result()));
  check(
    results.every((result) => result.outcome === 'completed'),
    'every tracker of the rollout completed',
  );
  for (const handle of old) {
    check((await buildOf(handle)) === buildOne, `${handle.workflowId} stayed on build 1`);
    check(!(await eventTypes(handle)).includes(failedTask), `${handle.workflowId}: no workflow task failed`);
  }
  for (const handle of fresh) {
    const types = await eventTypes(handle);
    check(!types.includes(failedTask), `${handle.workflowId}: no workflow task failed`);
    check(types[4] === EventType.EVENT_TYPE_TIMER_STARTED, `${handle.workflowId} ran build 2's code`);
  }

  const drainStarted = Date.now();
  // A budget keeper pinned to build 1 moves over within a minute (its build check).
  await deploy(ctx, 'wait-drained', buildOne, '--timeout', '150s');
  const drainedIn = Date.now() - drainStarted;
  const retired = ctx.workers.filter((worker) => worker !== second);
  await Promise.all(retired.map((worker) => stopChild(worker.child)));
  ctx.workers.splice(0, ctx.workers.length, second);
  const after = await track(ctx, 'srv-v6', 1_000);
  check(
    (await after.result()).outcome === 'completed' && (await buildOf(after)) === buildTwo,
    'tracking goes on on build 2 alone',
  );
  figure(
    '(f) builds',
    `${buildOne} (${old.length} trackers, drained ${(drainedIn / 1000).toFixed(1)} s after the last ended) → ${buildTwo} (${fresh.length + 1})`,
  );
  say(`(f) rollout: build 1 drained and retired, build 2 runs alone; no nondeterminism error`);
}

const failedTask = EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED;

async function track(ctx: RunContext, serverId: string, durationMs: number): Promise<WorkflowHandle> {
  const created = ctx.sim.createExport(PROJECT, serverId, { durationMs });
  ctx.servers.push({ projectId: PROJECT, serverId });
  const started = await startTracking(
    ctx.client,
    { projectId: PROJECT, serverId, exportId: created.exportId, policy: POLICY },
    { taskQueue: DEFAULT_TASK_QUEUE },
  );
  return ctx.client.workflow.getHandle(started.workflowId);
}

async function deploy(ctx: RunContext, ...args: string[]): Promise<void> {
  await run(process.execPath, ['bin/clouddc-logs.js', '--address', ctx.cluster.address, 'deploy', ...args], {
    cwd: root,
    timeout: RESULTS_TIMEOUT_MS,
  });
}

async function buildOf(handle: WorkflowHandle): Promise<string | undefined> {
  const described = await handle.describe();
  return described.raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId ?? undefined;
}

/** A run has a build once its first workflow task completes. */
async function settlesOn(handle: WorkflowHandle, buildId: string): Promise<void> {
  await waitFor(async () => ((await buildOf(handle)) === buildId ? true : undefined), {
    what: `${handle.workflowId} on build ${buildId}`,
    timeoutMs: 30_000,
    intervalMs: 200,
  });
}

async function eventTypes(handle: WorkflowHandle): Promise<number[]> {
  return ((await handle.fetchHistory()).events ?? []).map((event) => event.eventType ?? 0);
}
