import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setProjectQuota } from '../../src/client/index.js';
import { projectRateLimitWorkflowId } from '../../src/contract/index.js';
import { createTrackerWorker } from '../../src/worker/tracker-worker.js';
import type { DeploymentVersion } from '../../src/worker-deployment/contract.js';
import { joinDeployment } from '../../src/worker-deployment/join.js';
import { runCli } from '../helpers/cli.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

const EventType = temporal.api.enums.v1.EventType;
const DEPLOYMENT = 'clouddc-versioning-test';
const BUILD_1: DeploymentVersion = { deploymentName: DEPLOYMENT, buildId: 'build-1' };
const BUILD_2: DeploymentVersion = { deploymentName: DEPLOYMENT, buildId: 'build-2' };
const PROJECT = 'proj-versioning';

/** The server re-checks a build's drainage every 3 minutes by default. */
const FAST_DRAINAGE = [
  '--dynamic-config-value',
  'matching.wv.VersionDrainageStatusRefreshInterval="1s"',
  '--dynamic-config-value',
  'matching.wv.VersionDrainageStatusVisibilityGracePeriod="1s"',
];

let h: Harness;
let buildTwo: Worker;
let buildTwoRunning: Promise<void>;
let buildTwoCode: string;

beforeAll(async () => {
  h = await startHarness({ deployment: BUILD_1, devServerArgs: FAST_DRAINAGE });
  ({ code: buildTwoCode } = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../fixtures/build-2/workflows.ts', import.meta.url)),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  }));
}, 90_000);

afterAll(async () => {
  if (buildTwo?.getState() === 'RUNNING') buildTwo.shutdown();
  await buildTwoRunning;
  await h?.close();
});

const place = () => ({ service: h.env.client.workflowService, namespace: 'default' });
const cli = (...args: string[]) =>
  runCli(['--address', h.env.address, 'deploy', '--deployment', DEPLOYMENT, ...args]);

async function startTracker(serverId: string, durationMs: number): Promise<WorkflowHandle> {
  const sim = h.sim.createExport(PROJECT, serverId, { durationMs });
  const handle = await h.track({ projectId: PROJECT, serverId, exportId: sim.exportId, policy: FAST_POLICY });
  return h.env.client.workflow.getHandle(handle.workflowId);
}

async function buildOf(handle: WorkflowHandle): Promise<string | undefined> {
  const described = await handle.describe();
  return described.raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId ?? undefined;
}

/** A run has a build once its first workflow task completes. */
async function settlesOn(handle: WorkflowHandle, buildId: string): Promise<void> {
  await waitFor(async () => (await buildOf(handle)) === buildId, {
    timeoutMs: 20_000,
    what: `${handle.workflowId} on ${buildId}`,
  });
}

async function eventTypes(handle: WorkflowHandle): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((event) => event.eventType ?? 0);
}

describe('Worker Versioning: a build that would not replay running trackers is rolled out under them', () => {
  it('keeps trackers on build 1, starts new ones on build 2, moves the budget keeper, and lets build 1 drain', async () => {
    expect(await joinDeployment(place(), BUILD_1)).toMatch(/build-1 is the first .*now current/);

    const old = await Promise.all(
      ['srv-old-1', 'srv-old-2', 'srv-old-3'].map((id) => startTracker(id, 5_000)),
    );
    await setProjectQuota(h.env.client, { projectId: 'proj-keeper', quota: 4, taskQueue: h.taskQueue });
    const keeper = h.env.client.workflow.getHandle(projectRateLimitWorkflowId('proj-keeper'));
    const keeperFirstRun = (await keeper.describe()).runId;
    for (const handle of [...old, keeper]) await settlesOn(handle, 'build-1');

    buildTwo = await createTrackerWorker({
      connection: h.env.nativeConnection,
      namespace: 'default',
      taskQueue: h.taskQueue,
      dependencies: h.dependencies,
      workflowBundle: { code: buildTwoCode },
      deployment: BUILD_2,
    });
    buildTwoRunning = buildTwo.run();
    expect(await joinDeployment(place(), BUILD_2)).toMatch(
      /build-2 joined .*new workflows start on build build-1/,
    );

    expect((await cli('ramp', 'build-2', '--percent', '25')).code).toBe(0);
    const ramping = JSON.parse((await cli('status', '--json')).stdout);
    expect(ramping).toMatchObject({
      currentBuildId: 'build-1',
      rampingBuildId: 'build-2',
      rampingPercentage: 25,
    });

    const promoted = await cli('promote', 'build-2');
    expect(promoted.stderr).toMatch(/build-1 drains/);
    expect(promoted.code).toBe(0);
    const fresh = await Promise.all(['srv-new-1', 'srv-new-2'].map((id) => startTracker(id, 1_000)));
    for (const handle of fresh) await settlesOn(handle, 'build-2');

    // The keeper wakes on its next update and continues as new on the current build.
    await setProjectQuota(h.env.client, { projectId: 'proj-keeper', quota: 5, taskQueue: h.taskQueue });
    await waitFor(async () => (await keeper.describe()).runId !== keeperFirstRun, { timeoutMs: 20_000 });
    await settlesOn(keeper, 'build-2');

    const results = await Promise.all([...old, ...fresh].map((handle) => handle.result()));
    expect(results.map((result) => result.outcome)).toEqual(Array(5).fill('completed'));
    for (const handle of old) {
      expect(await buildOf(handle)).toBe('build-1');
      expect(await eventTypes(handle)).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    }
    for (const handle of fresh) {
      const types = await eventTypes(handle);
      expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      // Build 2's first command, which no build-1 history has.
      expect(types[4]).toBe(EventType.EVENT_TYPE_TIMER_STARTED);
    }

    // What pinning spared the old trackers: build 2 replaying one of them fails.
    const oldHistory = await old[0]?.fetchHistory();
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: { code: buildTwoCode } },
        oldHistory as NonNullable<typeof oldHistory>,
      ),
    ).rejects.toBeInstanceOf(DeterminismViolationError);

    const drained = await cli('wait-drained', 'build-1', '--timeout', '60s');
    expect(drained.stderr).toMatch(/build-1 .*drained/);
    expect(drained.code).toBe(0);

    h.worker.shutdown();
    await waitFor(() => h.worker.getState() === 'STOPPED', { timeoutMs: 20_000 });
    // A tracker of the retired build is still reported, from its result, without waiting on a query
    // nobody can answer for longer than the CLI's bound.
    const statusStarted = Date.now();
    const oldStatus = await runCli([
      '--address',
      h.env.address,
      'status',
      old[0]?.workflowId ?? '',
      '--json',
    ]);
    expect(oldStatus.code).toBe(0);
    expect(JSON.parse(oldStatus.stdout)).toMatchObject({
      workflowStatus: 'COMPLETED',
      result: { outcome: 'completed' },
    });
    expect(Date.now() - statusStarted).toBeLessThan(15_000);

    const afterRetirement = await startTracker('srv-after', 800);
    expect(await afterRetirement.result()).toMatchObject({ outcome: 'completed' });
    await settlesOn(afterRetirement, 'build-2');
  }, 120_000);
});
