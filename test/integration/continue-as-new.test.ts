import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleetCollection } from '../../src/client/collection.js';
import { readFleetServers } from '../../src/client/fleet-manifest.js';
import { collectServerLogsWorkflowId, getProgressQuery } from '../../src/contract/index.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  // The server suggests continue-as-new after 20 events instead of 4,096.
  // Without our search attributes, as on a namespace nobody has prepared: trackers work all the same.
  h = await startHarness({
    searchAttributes: false,
    simulator: { defaultScenario: { durationMs: 600, archiveBytes: 10_000 } },
    devServerArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=20'],
  });
});
afterAll(async () => {
  await h?.close();
});

it('continues as new mid-tracking, carrying its state, and keeps each run short', async () => {
  const sim = h.sim.createExport('proj-can', 'srv-1', { durationMs: 6_000 });
  const handle = await h.track({
    projectId: 'proj-can',
    serverId: 'srv-1',
    exportId: sim.exportId,
    policy: FAST_POLICY,
  });
  const firstRunId = (await handle.describe()).runId;

  // A query mid-way answers from whichever run is current, with the count carried over.
  const midway = await waitFor(
    async () => {
      const current = await handle.describe();
      if (current.runId === firstRunId) return undefined;
      return handle.query(getProgressQuery);
    },
    { what: 'a second run' },
  );
  expect(midway.polls).toBeGreaterThan(0);

  const result = await handle.result();
  expect(result.outcome).toBe('completed');

  // Follow the chain of runs through their histories (visibility may lag; histories do not).
  const runLengths: number[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: Awaited<ReturnType<typeof handle.fetchHistory>> = await h.env.client.workflow
      .getHandle(handle.workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    runLengths.push(events.length);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  expect(runLengths.length).toBeGreaterThanOrEqual(3);
  for (const length of runLengths) expect(length).toBeLessThan(40);

  // Every poll of every run is counted once, and the start time is the first run's.
  expect(result.polls).toBe(h.sim.statusRequests(sim).length);
  const firstRun = await h.env.client.workflow.getHandle(handle.workflowId, firstRunId).describe();
  expect(Date.parse(result.startedAt)).toBeGreaterThanOrEqual(firstRun.startTime.getTime());
  expect(Date.parse(result.startedAt)).toBeLessThan(firstRun.startTime.getTime() + 10_000);
  expect(Date.parse(result.startedAt)).toBeLessThanOrEqual(h.sim.statusRequests(sim)[0]?.at ?? 0);
});

it('continues a fleet collection as new between batches without waiting for its running collections, carrying what is done', async () => {
  // The first server's export is slow: the quick ones' ends take the first run past the
  // suggestion while it runs, however slow the machine.
  const serverIds = Array.from({ length: 8 }, (_, i) => `srv-fleet-${i}`);
  serverIds.forEach((serverId, i) => {
    h.sim.addServer('proj-can-fleet', serverId, { exportScenario: { durationMs: i === 0 ? 15_000 : 600 } });
  });
  const handle = await startFleetCollection(
    h.env.client,
    { projectId: 'proj-can-fleet', serverIds, concurrency: 3, policy: FAST_POLICY },
    { taskQueue: h.taskQueue },
  );
  const firstRunId = handle.firstExecutionRunId;
  const result = await handle.result();
  expect(result).toMatchObject({ servers: 8, succeeded: 8, failed: 0, failures: [] });
  const firstRun = await h.env.client.workflow.getHandle(handle.workflowId, firstRunId).fetchHistory();
  expect(firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

  // Each run stored the servers it recorded as a manifest part of its own; together they list
  // every server once. A run continued as new without waiting for the collections it had
  // started: the next one waited for them (so no run drained its fleet to nothing first).
  let runs = 0;
  let leftRunning = 0;
  for (let runId: string | undefined = firstRunId; runId; runs++) {
    const history: Awaited<ReturnType<typeof handle.fetchHistory>> = await h.env.client.workflow
      .getHandle(handle.workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    const started = events.filter((e) => e.childWorkflowExecutionStartedEventAttributes).length;
    const ended = events.filter(
      (e) =>
        e.childWorkflowExecutionCompletedEventAttributes ||
        e.childWorkflowExecutionFailedEventAttributes ||
        e.childWorkflowExecutionCanceledEventAttributes,
    ).length;
    leftRunning += started - ended;
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  expect(leftRunning).toBeGreaterThan(0);
  // A run that recorded no collection (it only waited for those it was given) stores no part.
  expect(result.manifests.length).toBeLessThanOrEqual(runs);
  expect(result.manifests.map((m) => m.path?.split('/').at(-1))).toEqual(
    result.manifests.map((_, i) => `servers-${String(i + 1).padStart(4, '0')}.jsonl`),
  );
  const lines = await readFleetServers(result);
  expect(lines.map((line) => line.serverId).sort()).toEqual([...serverIds].sort());
});

it('cancels, with the fleet, the collections an earlier run started and left running', async () => {
  const PROJECT = 'proj-can-cancel';
  const serverIds = Array.from({ length: 6 }, (_, i) => `srv-cancel-${i}`);
  // Every other export is quick: the first run's history grows to the suggestion while the slow
  // ones run.
  serverIds.forEach((serverId, i) => {
    h.sim.addServer(PROJECT, serverId, { exportScenario: { durationMs: i % 2 === 0 ? 500 : 60_000 } });
  });
  const handle = await startFleetCollection(
    h.env.client,
    { projectId: PROJECT, serverIds, concurrency: 2, policy: FAST_POLICY },
    { taskQueue: h.taskQueue },
  );
  // A later run holds the first run's collections, still running.
  await waitFor(
    async () => ((await handle.describe()).runId !== handle.firstExecutionRunId ? true : undefined),
    { what: 'a second run of the fleet' },
  );
  const collections = serverIds.map((serverId) =>
    h.env.client.workflow.getHandle(collectServerLogsWorkflowId({ projectId: PROJECT, serverId })),
  );
  const running = async () =>
    (
      await Promise.all(
        collections.map((c) =>
          c.describe().then(
            (d) => d.status.name,
            () => 'NONE',
          ),
        ),
      )
    ).filter((status) => status === 'RUNNING').length;
  expect(await running()).toBeGreaterThan(0);
  await handle.cancel();
  await expect(handle.result()).rejects.toThrow();
  await waitFor(async () => ((await running()) === 0 ? true : undefined), {
    what: 'every collection the fleet started to end with it',
  });
});
