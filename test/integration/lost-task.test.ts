import { encodeTimeoutType } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { startCollection } from '../../src/client/collection.js';
import { startTracking } from '../../src/client/tracking.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ simulator: { defaultScenario: { durationMs: 1_000, archiveBytes: 50_000 } } });
});
afterAll(async () => {
  await h?.close();
});

const PROJECT = 'proj-lost-task';
const SCHEDULE_TO_START = encodeTimeoutType('SCHEDULE_TO_START');

/** How many of a workflow's activity tasks timed out waiting on the queue for a worker. */
async function queueTimeouts(workflowId: string): Promise<number> {
  const history = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter(
    (e) =>
      e.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType === SCHEDULE_TO_START,
  ).length;
}

describe('an activity task no worker picks up', () => {
  it('is scheduled again, so a tracker and a collection go on once a worker polls again; no export is requested twice', async () => {
    // A task queue where, at first, no worker polls for activity tasks: each one waits, as one
    // the matching service lost would, until its schedule-to-start timeout.
    const taskQueue = `${h.taskQueue}-lost`;
    const workflowsOnly = await Worker.create({
      connection: h.env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities(h.dependencies),
      enableNonLocalActivities: false,
    });
    await workflowsOnly.runUntil(async () => {
      const record = h.sim.createExport(PROJECT, 'srv-tracked', { durationMs: 1_000 });
      const tracker = await startTracking(
        h.env.client,
        { projectId: PROJECT, serverId: 'srv-tracked', exportId: record.exportId, policy: FAST_POLICY },
        { taskQueue },
      );
      h.sim.addServer(PROJECT, 'srv-collected');
      const collection = await startCollection(
        h.env.client,
        { projectId: PROJECT, serverId: 'srv-collected', policy: FAST_POLICY },
        { taskQueue },
      );

      await waitFor(
        async () =>
          (await queueTimeouts(tracker.workflowId)) > 0 && (await queueTimeouts(collection.workflowId)) > 0
            ? true
            : undefined,
        { what: 'a poll and an export request to time out on the queue', timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(h.sim.statusRequests(record)).toHaveLength(0);
      expect(h.sim.exportsOf(PROJECT, 'srv-collected')).toHaveLength(0);

      const activities = await Worker.create({
        connection: h.env.nativeConnection,
        namespace: 'default',
        taskQueue,
        activities: createActivities(h.dependencies),
      });
      const result = await activities.runUntil(Promise.all([tracker.result(), collection.result()]));

      const [tracked, collected] = result;
      expect(tracked).toMatchObject({ outcome: 'completed', exportId: record.exportId });
      expect(collected).toMatchObject({ outcome: 'completed' });
      expect(h.sim.exportsOf(PROJECT, 'srv-collected')).toHaveLength(1);
      expect(h.logs.some((l) => l.message.includes('found no worker in time'))).toBe(true);
    });
  });
});
