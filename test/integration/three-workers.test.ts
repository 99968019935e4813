import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracking } from '../../src/client/tracking.js';
import { busiestSecond } from '../../src/simulator/request-rate.js';
import { type Harness, startHarness, TEST_REGION, TEST_TOKEN } from '../helpers/harness.js';
import { exitOf, startWorkerProcess, untilPolling } from '../helpers/worker-process.js';

/** The gateway's quota per project, as every worker is configured with it. */
const QUOTA = 5;
const PROJECT = 'proj-three-workers';

let h: Harness;
let taskQueue: string;
const workers: { child: ChildProcess; output: () => string }[] = [];

beforeAll(async () => {
  // No gateway limit in the simulator: what it counts is what the workers sent.
  h = await startHarness();
  taskQueue = `${h.taskQueue}-three-workers`;
  for (let i = 0; i < 3; i++) {
    workers.push(
      startWorkerProcess({
        TEMPORAL_ADDRESS: h.env.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        CLOUDDC_REGION: TEST_REGION,
        CLOUDDC_ENDPOINT: h.sim.url,
        CLOUDDC_AUTH_TOKEN: TEST_TOKEN,
        CLOUDDC_RATE_LIMIT: String(QUOTA),
      }),
    );
  }
  for (const worker of workers) {
    await untilPolling(worker.output, 120_000);
  }
});
afterAll(async () => {
  for (const { child } of workers) {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exitOf(child);
  }
  await h?.close();
});

describe('three workers on one task queue', () => {
  it('share one budget per project: 90 eager trackers never send the project more than its quota in a second', async () => {
    for (const worker of workers)
      expect(worker.output()).toContain('held by the task queue for every worker');
    const exports = Array.from({ length: 90 }, (_, i) =>
      h.sim.createExport(PROJECT, `srv-${i}`, { durationMs: 500 + (i % 10) * 200 }),
    );
    const handles = await Promise.all(
      exports.map((e) =>
        startTracking(
          h.env.client,
          {
            projectId: PROJECT,
            serverId: e.serverId,
            exportId: e.exportId,
            policy: { minInterval: '1s', maxInterval: '2s' },
          },
          { taskQueue },
        ),
      ),
    );

    const results = await Promise.all(handles.map((handle) => handle.result()));

    expect(results.every((r) => r.outcome === 'completed')).toBe(true);
    const requests = h.sim.requestsTo(`/v1/${PROJECT}/`);
    expect(busiestSecond(requests.map((r) => r.at))).toBeLessThanOrEqual(QUOTA + 1);
    // Every worker ran polls: the budget held across processes, not because one did all the work.
    const identities = new Set<string>();
    for (const handle of handles) {
      for (const event of (await handle.fetchHistory()).events ?? []) {
        const identity = event.activityTaskStartedEventAttributes?.identity;
        if (identity) identities.add(identity);
      }
    }
    expect(identities.size).toBe(3);
  }, 180_000);
});
