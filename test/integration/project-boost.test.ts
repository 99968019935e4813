import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  boostedDispatchRate,
  dispatchRateForQuota,
  getRateLimitQuery,
  type ProjectRateLimitStatus,
  projectRateLimitWorkflowId,
} from '../../src/contract/index.js';
import { activityStartTimes } from '../../src/dev/activity-starts.js';
import { countsPerSecond } from '../../src/simulator/request-rate.js';
import { type Harness, startHarness, waitFor } from '../helpers/harness.js';

/** The gateway's quota (CLOUDDC_RATE_LIMIT); the simulator enforces the same, as a bucket of that many. */
const QUOTA = 8;
const PROJECT = 'proj-backlogged';
const EAGER = { minInterval: '100ms', maxInterval: '400ms' } as const;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rateLimit: QUOTA, simulator: { rateLimitPerProject: QUOTA }, boost: true });
});
afterAll(async () => {
  await h?.close();
});

describe('a backlogged project is boosted toward its quota, with nothing refused', () => {
  it('boosts from (quota - 1) / 2 to 0.9 (quota - 1) while 40 eager trackers wait, then returns to normal', async () => {
    const keeper = h.env.client.workflow.getHandle(projectRateLimitWorkflowId(PROJECT));
    const exports = Array.from({ length: 40 }, (_, i) =>
      h.sim.createExport(PROJECT, `srv-${i}`, { durationMs: 12_000 + (i % 4) * 1_000 }),
    );
    const handles = await Promise.all(
      exports.map((e) =>
        h.track({ projectId: PROJECT, serverId: e.serverId, exportId: e.exportId, policy: EAGER }),
      ),
    );

    const boosted = await waitFor(
      async () => {
        const status = await keeper.query(getRateLimitQuery).catch(() => undefined);
        return status?.boost === 'on' && status.dispatchRate === boostedDispatchRate(QUOTA)
          ? status
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the keeper to boost the project' },
    );
    expect(boosted.share).toBe(1);
    const boostedFrom = Date.now();

    const results = await Promise.all(handles.map((handle) => handle.result()));
    expect(results.every((r) => r.outcome === 'completed')).toBe(true);

    // None refused by the gateway's bucket, and the boosted seconds well above the normal rate.
    // The busiest second is the benches' to measure, not this test's: a boosted key keeps the
    // quota only while holders take every spare turn, and a loaded CI machine's server gave out
    // saved turns at once (9 dispatched in a second against 8) and its stalls bunched arrivals
    // (10); docs/rate-limits.md says where the bound breaks.
    const dispatched = await activityStartTimes(
      h.env.client,
      handles.map((handle) => handle.workflowId),
      new Set(['getExportStatus']),
    );
    expect(dispatched.length).toBeGreaterThan(2 * QUOTA);
    const requests = h.sim.requestsTo(`/v1/${PROJECT}/`);
    expect(requests.filter((r) => r.status === 429)).toEqual([]);
    const boostedSeconds = countsPerSecond(h.sim.requestsTo(`/v1/${PROJECT}/`).map((r) => r.at)).filter(
      (_, second) => {
        const at = Math.min(...requests.map((r) => r.at)) + second * 1000;
        return at >= boostedFrom + 1_000 && at < boostedFrom + 6_000;
      },
    );
    const mean = boostedSeconds.reduce((a, b) => a + b, 0) / Math.max(1, boostedSeconds.length);
    expect(mean, `seconds while boosted: ${boostedSeconds.join(' ')}`).toBeGreaterThan(
      1.4 * dispatchRateForQuota(QUOTA),
    );

    // The backlog gone, holders took the unused turns, and the boost ended.
    const ended = await waitFor(
      async () => {
        const status: ProjectRateLimitStatus | undefined = await keeper
          .query(getRateLimitQuery)
          .catch(() => undefined);
        return status?.boost === 'off' ? status : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the boost to end' },
    );
    expect(ended.dispatchRate).toBe(dispatchRateForQuota(QUOTA));
    expect(ended.weight).toBe(1);
  }, 120_000);
});
