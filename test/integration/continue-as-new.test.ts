import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleetCollection } from '../../src/client/collection.js';
import { readFleetServers } from '../../src/client/fleet-manifest.js';
import { getProgressQuery } from '../../src/contract/index.js';
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

it('continues a fleet collection as new between batches, carrying what is done', async () => {
  const serverIds = Array.from({ length: 8 }, (_, i) => `srv-fleet-${i}`);
  for (const serverId of serverIds) h.sim.addServer('proj-can-fleet', serverId);
  const handle = await startFleetCollection(
    h.env.client,
    { projectId: 'proj-can-fleet', serverIds, concurrency: 2, policy: FAST_POLICY },
    { taskQueue: h.taskQueue },
  );
  const firstRunId = (await handle.describe()).runId;
  const result = await handle.result();
  expect(result).toMatchObject({ servers: 8, succeeded: 8, failed: 0, failures: [] });
  const firstRun = await h.env.client.workflow.getHandle(handle.workflowId, firstRunId).fetchHistory();
  expect(firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

  // Each run stored the servers it collected as a manifest part of its own; together they list
  // every server once.
  let runs = 0;
  for (let runId: string | undefined = firstRunId; runId; runs++) {
    const history = await h.env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    runId =
      history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  expect(result.manifests).toHaveLength(runs);
  expect(result.manifests.map((m) => m.path?.split('/').at(-1))).toEqual(
    Array.from({ length: runs }, (_, i) => `servers-${String(i + 1).padStart(4, '0')}.jsonl`),
  );
  const lines = await readFleetServers(result);
  expect(lines.map((line) => line.serverId).sort()).toEqual([...serverIds].sort());
});
