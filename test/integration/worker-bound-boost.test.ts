import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dispatchRateForQuota,
  getRateLimitQuery,
  projectRateLimitWorkflowId,
} from '../../src/contract/index.js';
import { KEEP_PACE_SHARE } from '../../src/request-budget/boost.js';
import { type Harness, startHarness, waitFor } from '../helpers/harness.js';

const QUOTA = 8;
const PROJECT = 'proj-worker-bound';
const EAGER = { minInterval: '100ms', maxInterval: '400ms' } as const;
/** Two activity slots and status answers of 1.5 s: the worker takes 1.3 turns a second of the 3.5 the key gives. */
const SLOTS = 2;
const ANSWER_MS = 1_500;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    rateLimit: QUOTA,
    simulator: { rateLimitPerProject: QUOTA },
    boost: true,
    maxConcurrentActivities: SLOTS,
  });
});
afterAll(async () => {
  await h?.close();
});

describe('a backlog its workers cannot keep up with', () => {
  it('is not boosted: the key would save the turns the workers miss and give them out at once', async () => {
    h.sim.injectFaults({
      fault: { kind: 'delay', ms: ANSWER_MS },
      times: 10_000,
      method: 'GET',
      path: `^/v1/${PROJECT}/`,
    });
    const exports = Array.from({ length: 12 }, (_, i) =>
      h.sim.createExport(PROJECT, `srv-${i}`, { durationMs: 60_000 }),
    );
    const handles = await Promise.all(
      exports.map((e) =>
        h.track({ projectId: PROJECT, serverId: e.serverId, exportId: e.exportId, policy: EAGER }),
      ),
    );
    const keeper = h.env.client.workflow.getHandle(projectRateLimitWorkflowId(PROJECT));

    // The calls wait, the keeper primes a boost, counts the turns the worker took, and gives up.
    const behind = await waitFor(
      async () => {
        const status = await keeper.query(getRateLimitQuery).catch(() => undefined);
        return status?.noBoostBefore !== undefined && status.boost === 'off' ? status : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 250, what: 'the keeper to give up a boost for want of pace' },
    );
    expect(behind.dispatchRate).toBe(dispatchRateForQuota(QUOTA));
    const history = await keeper.fetchHistory();
    const weights = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'applyProjectWeight',
    );
    const inputs = weights.map((e) =>
      JSON.stringify(
        e.activityTaskScheduledEventAttributes?.input?.payloads?.map((p) =>
          Buffer.from(p.data ?? []).toString(),
        ),
      ),
    );
    expect(inputs.filter((input) => input.includes('boosted'))).toEqual([]);
    // What the worker took, as the keeper reads it, is under the share a boost needs.
    const status = await keeper.query(getRateLimitQuery);
    if (status.turnsPerSecond !== undefined)
      expect(status.turnsPerSecond).toBeLessThan(KEEP_PACE_SHARE * dispatchRateForQuota(QUOTA));
    await Promise.all(handles.map((handle) => handle.terminate('test over')));
  }, 90_000);
});
