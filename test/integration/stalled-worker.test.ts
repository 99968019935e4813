import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracking } from '../../src/client/tracking.js';
import { busiestSecond } from '../../src/simulator/request-rate.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { exitOf, simulatedWorkerEnv, startWorkerProcess, untilPolling } from '../helpers/worker-process.js';

/** The gateway's quota per project, as every worker is configured with it: two places a worker. */
const QUOTA = 6;
const PROJECT = 'proj-stalled-worker';

let h: Harness;
let taskQueue: string;
const workers: { child: ChildProcess; output: () => string }[] = [];

beforeAll(async () => {
  h = await startHarness();
  taskQueue = `${h.taskQueue}-stalled`;
  for (let i = 0; i < 3; i++)
    workers.push(
      startWorkerProcess({ ...simulatedWorkerEnv(h, taskQueue), CLOUDDC_RATE_LIMIT: String(QUOTA) }),
    );
  for (const worker of workers) await untilPolling(worker.output, 120_000);
});
afterAll(async () => {
  for (const { child } of workers) {
    child.kill('SIGCONT');
    if (child.exitCode === null) child.kill('SIGTERM');
    await exitOf(child);
  }
  await h?.close();
});

describe('workers that stall', () => {
  it('send what they held back within their shares: no second at the gateway over the quota', async () => {
    const exports = Array.from({ length: 90 }, (_, i) =>
      h.sim.createExport(PROJECT, `srv-${i}`, { durationMs: 4_000 + (i % 10) * 300 }),
    );
    const handles = await Promise.all(
      exports.map((e) =>
        startTracking(
          h.env.client,
          {
            projectId: PROJECT,
            serverId: e.serverId,
            exportId: e.exportId,
            policy: { minInterval: '200ms', maxInterval: '1s' },
          },
          { taskQueue },
        ),
      ),
    );
    // Every worker frozen for 3 s in every 5, as a machine short of CPU freezes them: the tasks
    // the server hands their waiting polls meanwhile go out when they thaw. A schedule of
    // stalls, not a wait for a result.
    let done = false;
    const results = Promise.all(handles.map((handle) => handle.result())).finally(() => {
      done = true;
    });
    let stalls = 0;
    while (!done) {
      for (const { child } of workers) child.kill('SIGSTOP');
      stalls++;
      await delay(3_000);
      for (const { child } of workers) child.kill('SIGCONT');
      await delay(2_000);
    }

    expect((await results).every((r) => r.outcome === 'completed')).toBe(true);
    expect(stalls).toBeGreaterThan(2);
    const arrivals = h.sim.requestsTo(`/v1/${PROJECT}/`).map((r) => r.at);
    expect(arrivals.length).toBeGreaterThan(3 * QUOTA);
    expect(busiestSecond(arrivals)).toBeLessThanOrEqual(QUOTA);
  }, 240_000);
});
