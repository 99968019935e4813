import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dispatchRateForQuota,
  getRateLimitQuery,
  type ProjectRateLimitStatus,
  projectFairnessKey,
  projectRateLimitWorkflowId,
} from '../../src/contract/index.js';
import { BASE_ROOM_MS } from '../../src/request-budget/arrival-room.js';
import { describeRateLimits } from '../../src/request-budget/client.js';
import { type Harness, startHarness, waitFor } from '../helpers/harness.js';

const QUOTA = 10;
const PROJECT = 'proj-lagging-worker';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rateLimit: QUOTA, simulator: { rateLimitPerProject: QUOTA }, lagReports: true });
});
afterAll(async () => {
  await h?.close();
});

describe('a worker whose event loop lags', () => {
  it("widens its project's room for late arrivals to the lag, and lowers the project's rate on the task queue to match", async () => {
    const track = async (serverId: string) => {
      const exported = h.sim.createExport(PROJECT, serverId, { durationMs: 500 });
      const handle = await h.track({
        projectId: PROJECT,
        serverId,
        exportId: exported.exportId,
        policy: { minInterval: '200ms', maxInterval: '1s' },
      });
      expect((await handle.result()).outcome).toBe('completed');
    };
    // The worker times its loop from its first call on (its start-up is not a lag).
    await track('srv-1');
    const lagMs = 450;
    const until = performance.now() + lagMs;
    // The worker's own event loop, held up as a starved or paused worker's is.
    while (performance.now() < until);
    await track('srv-2');

    const keeper = h.env.client.workflow.getHandle(projectRateLimitWorkflowId(PROJECT));
    const widened = await waitFor(
      async () => {
        const status: ProjectRateLimitStatus | undefined = await keeper
          .query(getRateLimitQuery)
          .catch(() => undefined);
        return status?.arrivalRoomMs !== undefined && status.arrivalRoomMs >= lagMs && status.weight < 1
          ? status
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'the keeper to widen the room' },
    );
    const roomS = (widened.arrivalRoomMs as number) / 1000;
    expect(roomS * 1000).toBeGreaterThan(BASE_ROOM_MS);
    // The rate that spaces a second to hold the quota with that room: rate × (1 + room) + 1.
    const rate = dispatchRateForQuota(QUOTA, roomS);
    expect(widened.dispatchRate).toBeCloseTo(rate, 9);
    expect(rate).toBeLessThan(dispatchRateForQuota(QUOTA));
    const view = await describeRateLimits(h.env.client, { taskQueue: h.taskQueue, projectId: PROJECT });
    expect(view.weights[projectFairnessKey(PROJECT)]).toBeCloseTo(rate / dispatchRateForQuota(QUOTA), 5);
  }, 60_000);
});
