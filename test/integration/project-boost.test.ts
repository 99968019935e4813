import { tsToMs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  boostedDispatchRate,
  dispatchRateForQuota,
  getRateLimitQuery,
  type ProjectRateLimitStatus,
  projectRateLimitWorkflowId,
} from '../../src/contract/index.js';
import { busiestSecond } from '../../src/simulator/request-rate.js';
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

/** When the server dispatched each status poll of a tracker (its `ActivityTaskStarted` events). */
async function pollStartTimes(workflowId: string): Promise<number[]> {
  const history = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
  const polls = new Set<string>();
  const times: number[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'getExportStatus') polls.add(String(event.eventId));
    const started = event.activityTaskStartedEventAttributes;
    if (started && polls.has(String(started.scheduledEventId)) && event.eventTime)
      times.push(tsToMs(event.eventTime));
  }
  return times;
}

/** Requests to the project that arrived in each whole second of the run. */
function perSecond(projectId: string): number[] {
  const times = h.sim.requestsTo(`/v1/${projectId}/`).map((r) => r.at);
  const first = Math.min(...times);
  const counts: number[] = [];
  for (const at of times) {
    const second = Math.floor((at - first) / 1000);
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}

describe('a backlogged project gets its whole quota, and no second over it', () => {
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

    // No second over the quota as Temporal dispatched the calls; at the gateway, one more on the
    // window's edge for the jitter of a loaded test machine (docs/rate-limits.md). None refused,
    // and the boosted seconds well above the normal rate.
    const dispatched = (await Promise.all(handles.map((handle) => pollStartTimes(handle.workflowId)))).flat();
    expect(dispatched.length).toBeGreaterThan(2 * QUOTA);
    expect(busiestSecond(dispatched)).toBeLessThanOrEqual(QUOTA);
    expect(h.sim.busiestSecondOf(PROJECT)).toBeLessThanOrEqual(QUOTA + 1);
    const requests = h.sim.requestsTo(`/v1/${PROJECT}/`);
    expect(requests.filter((r) => r.status === 429)).toEqual([]);
    const boostedSeconds = perSecond(PROJECT).filter((_, second) => {
      const at = Math.min(...requests.map((r) => r.at)) + second * 1000;
      return at >= boostedFrom + 1_000 && at < boostedFrom + 6_000;
    });
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
