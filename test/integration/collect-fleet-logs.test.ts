import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCollection, startFleetCollection } from '../../src/client/collection.js';
import { readFleetServers } from '../../src/client/fleet-manifest.js';
import { collectServerLogsWorkflowId, FailureType, getFleetProgressQuery } from '../../src/contract/index.js';
import { CHILDREN_PER_TASK } from '../../src/workflows/collect-fleet-logs.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ simulator: { defaultScenario: { durationMs: 1_000, archiveBytes: 20_000 } } });
});
afterAll(async () => {
  await h?.close();
});

it('collects a fleet of 50 listed servers, 10 at a time, and records each failure without stopping the others', async () => {
  const PROJECT = 'proj-fleet';
  for (let i = 0; i < 50; i++) {
    const serverId = `srv-${String(i).padStart(2, '0')}`;
    // Every tenth server's export fails, and two servers' export requests are lost on the wire.
    h.sim.addServer(
      PROJECT,
      serverId,
      i % 10 === 3 ? { exportScenario: { outcome: 'failed', failAtPercent: 50 } } : {},
    );
  }
  h.sim.addServer(PROJECT, 'srv-frozen', { manageState: 'frozen' });
  for (const lost of ['srv-07', 'srv-21']) {
    h.sim.injectFaults({ fault: { kind: 'drop' }, method: 'POST', path: `/${lost}/logs/exports$` });
  }
  h.sim.injectFaults({
    fault: { kind: 'status', status: 404 },
    path: '/srv-42/logs/exports/[^/]+/content$',
    times: 10,
  });

  const handle = await startFleetCollection(
    h.env.client,
    { projectId: PROJECT, concurrency: 10, policy: FAST_POLICY },
    { taskQueue: h.taskQueue },
  );
  const midway = await waitFor(
    async () => {
      const progress = await handle.query(getFleetProgressQuery).catch(() => undefined);
      return progress?.listed && progress.running > 0 ? progress : undefined;
    },
    { what: 'the fleet to be listed and running' },
  );
  expect(midway.total).toBe(50);
  expect(midway.running).toBeLessThanOrEqual(10);

  const result = await handle.result();
  expect(result).toMatchObject({
    servers: 50,
    succeeded: 42,
    failed: 8,
    failuresByType: {
      [FailureType.LogExportFailed]: 5,
      [FailureType.LogExportRequestUncertain]: 2,
      [FailureType.LogExportNotFound]: 1,
    },
  });
  const failedBy = Object.fromEntries(result.failures.map((f) => [f.serverId, f.type]));
  for (const id of ['srv-03', 'srv-13', 'srv-23', 'srv-33', 'srv-43'])
    expect(failedBy[id]).toBe(FailureType.LogExportFailed);
  expect(failedBy['srv-07']).toBe(FailureType.LogExportRequestUncertain);
  expect(failedBy['srv-21']).toBe(FailureType.LogExportRequestUncertain);
  expect(failedBy['srv-42']).toBe(FailureType.LogExportNotFound);
  expect(result.failures).toHaveLength(8);

  // The manifest, beside the archives, lists every server once, as the result counts them.
  expect(result.manifests).toHaveLength(1);
  const [manifest] = result.manifests;
  const manifestBytes = await readFile(manifest?.path ?? expect.fail('no manifest path'));
  expect(manifestBytes.length).toBe(manifest?.bytes);
  expect(createHash('sha256').update(manifestBytes).digest('hex')).toBe(manifest?.sha256);
  const lines = await readFleetServers(result);
  expect(new Set(lines.map((line) => line.serverId)).size).toBe(50);
  const failedLines = lines.flatMap((line) => (line.status === 'failed' ? [line] : []));
  expect(failedLines.map(({ status: _, ...f }) => f)).toEqual(result.failures);
  const collected = lines.flatMap((line) => (line.status === 'collected' ? [line] : []));
  expect(collected).toHaveLength(42);
  let bytes = 0;
  for (const success of collected) {
    const record = h.sim.getExport(PROJECT, success.serverId, success.exportId) ?? expect.fail('no export');
    const onDisk = await readFile(success.path ?? expect.fail('no path'));
    const expected = (await h.sim.archiveOf(record)).sha256;
    expect(createHash('sha256').update(onDisk).digest('hex')).toBe(expected);
    expect(success.sha256).toBe(expected);
    expect(success.bytes).toBe(onDisk.length);
    bytes += onDisk.length;
  }
  expect(result.bytes).toBe(bytes);
  expect(h.sim.requestsTo('/srv-frozen/')).toHaveLength(0);

  // The Web UI's current details say the same, with the archives' bytes and the manifest.
  const { currentDetails } = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  expect(currentDetails).toContain(
    '**Servers:** 50 of 50 done (42 collected, 8 failed), 0 running, 0 waiting',
  );
  expect(currentDetails).toContain(
    '**Failures by type:** LogExportFailed 5, LogExportRequestUncertain 2, LogExportNotFound 1',
  );
  expect(currentDetails).toContain(`the last: ${manifest?.path}`);

  const final = await handle.query(getFleetProgressQuery);
  expect(final).toMatchObject({ total: 50, pending: 0, running: 0, succeeded: 42, failed: 8, listed: true });
});

it('records a child cancelled from outside, and a server already being collected, and finishes the rest', async () => {
  const PROJECT = 'proj-fleet-edges';
  h.sim.addServer(PROJECT, 'srv-cancelled', { exportScenario: { durationMs: 120_000 } });
  h.sim.addServer(PROJECT, 'srv-busy', { exportScenario: { durationMs: 120_000 } });
  h.sim.addServer(PROJECT, 'srv-fine');
  const busy = await startCollection(
    h.env.client,
    { projectId: PROJECT, serverId: 'srv-busy', policy: FAST_POLICY },
    { taskQueue: h.taskQueue },
  );

  const handle = await startFleetCollection(
    h.env.client,
    {
      projectId: PROJECT,
      serverIds: ['srv-cancelled', 'srv-busy', 'srv-fine'],
      concurrency: 3,
      policy: FAST_POLICY,
    },
    { taskQueue: h.taskQueue },
  );
  const child = h.env.client.workflow.getHandle(
    collectServerLogsWorkflowId({ projectId: PROJECT, serverId: 'srv-cancelled' }),
  );
  await waitFor(
    async () =>
      (await child.describe().catch(() => undefined))?.status.name === 'RUNNING' ? true : undefined,
    {
      what: 'the child to run',
    },
  );
  await child.cancel();

  const result = await handle.result();
  expect(result).toMatchObject({ servers: 3, succeeded: 1, failed: 2 });
  const lines = await readFleetServers(result);
  expect(lines.filter((line) => line.status === 'collected').map((line) => line.serverId)).toEqual([
    'srv-fine',
  ]);
  const failedBy = Object.fromEntries(result.failures.map((f) => [f.serverId, f.type]));
  expect(failedBy).toEqual({
    'srv-cancelled': FailureType.LogCollectionCancelled,
    'srv-busy': FailureType.LogCollectionAlreadyRunning,
  });
  await busy.cancel();
});

it('starts a wide fleet in batches, one workflow task each, so no task of the fleet grows with its concurrency', async () => {
  const PROJECT = 'proj-fleet-batches';
  const servers = 2 * CHILDREN_PER_TASK + 10;
  const serverIds = Array.from({ length: servers }, (_, i) => `srv-${String(i).padStart(3, '0')}`);
  for (const serverId of serverIds) h.sim.addServer(PROJECT, serverId);
  const handle = await startFleetCollection(
    h.env.client,
    { projectId: PROJECT, serverIds, concurrency: servers, policy: FAST_POLICY },
    { taskQueue: h.taskQueue },
  );
  expect(await handle.result()).toMatchObject({ servers, succeeded: servers, failed: 0 });

  // The starts each workflow task commanded: the events between its completion and the next task.
  const startsPerTask: number[] = [];
  for (const event of (await handle.fetchHistory()).events ?? []) {
    if (event.workflowTaskCompletedEventAttributes) startsPerTask.push(0);
    else if (event.startChildWorkflowExecutionInitiatedEventAttributes)
      startsPerTask[startsPerTask.length - 1] = (startsPerTask.at(-1) ?? 0) + 1;
  }
  expect(startsPerTask.reduce((sum, n) => sum + n, 0)).toBe(servers);
  expect(Math.max(...startsPerTask)).toBe(CHILDREN_PER_TASK);
  expect(startsPerTask.filter((n) => n === CHILDREN_PER_TASK).length).toBeGreaterThanOrEqual(2);
});
