import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FailureType,
  getRateLimitQuery,
  type ProjectRateLimitStatus,
  projectFairnessKey,
  projectRateLimitWorkflowId,
  setQuotaUpdate,
} from '../../src/contract/index.js';
import { describeRateLimits, setProjectQuota } from '../../src/request-budget/client.js';
import type { RecordedRequest } from '../../src/simulator/server.js';
import { type Harness, startHarness, waitFor } from '../helpers/harness.js';

/** The gateway's quota as the operator configured it (CLOUDDC_RATE_LIMIT); the simulator enforces the same. */
const QUOTA = 10;
const EAGER = { minInterval: '1s', maxInterval: '2s' } as const;
/**
 * From a 429 to the retry's arrival beyond the wait asked for: the failure's way back through
 * Temporal, the retry's dispatch on the project's turn, the request. CI's full suite on two cores
 * measured 2.34 s of it; Temporal's default retry policy (1, 2, 4, 8 s) still fails the checks.
 */
const ROUND_TRIP_MS = 3_000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rateLimit: QUOTA, simulator: { rateLimitPerProject: QUOTA } });
});
afterAll(async () => {
  await h?.close();
});

function keeper(projectId: string) {
  return h.env.client.workflow.getHandle(projectRateLimitWorkflowId(projectId));
}

describe('one request budget per project, held by Temporal', () => {
  it('honours each 429 exactly while 22 trackers of the project contend for its turns, and none starves', async () => {
    const project = 'proj-contended';
    const others = Array.from({ length: 19 }, (_, i) =>
      h.sim.createExport(project, `srv-${i}`, { durationMs: 6_000 + (i % 6) * 1_000 }),
    );
    const throttledKinds = [
      { name: 'delta', fault: { seconds: 3, as: 'delta' as const }, retryAfterMs: 3_000 },
      { name: 'date', fault: { seconds: 3, as: 'http-date' as const }, retryAfterMs: 3_000 },
      { name: 'none', fault: undefined, retryAfterMs: undefined },
    ];
    const throttled = throttledKinds.map((kind) => {
      const sim = h.sim.createExport(project, `srv-429-${kind.name}`, { durationMs: 8_000 });
      h.sim.injectFaults({
        fault: { kind: 'status', status: 429, ...(kind.fault ? { retryAfter: kind.fault } : {}) },
        times: 4,
        path: `/physicalservers/srv-429-${kind.name}/logs/exports/${sim.exportId}$`,
      });
      return { ...kind, sim };
    });
    const all = [...others, ...throttled.map((t) => t.sim)];
    const handles = await Promise.all(
      all.map((e) =>
        h.track({ projectId: project, serverId: e.serverId, exportId: e.exportId, policy: EAGER }),
      ),
    );

    const results = await Promise.all(handles.map((handle) => handle.result()));

    expect(results.every((r) => r.outcome === 'completed')).toBe(true);
    for (const [i, result] of results.entries()) {
      const lateBy = Date.parse(result.completedAt) - (all[i]?.finishesAt ?? 0);
      expect(lateBy, `${result.serverId} seen done ${lateBy} ms after it finished`).toBeLessThan(15_000);
    }
    for (const t of throttled) {
      const polls = h.sim.statusRequests(t.sim);
      const refusals = polls.filter((r) => r.status === 429);
      expect(refusals).toHaveLength(4);
      for (const [i, refusal] of refusals.entries()) {
        const next = polls.find((r) => r.at > refusal.at) as RecordedRequest;
        const gap = next.at - refusal.at;
        if (t.retryAfterMs !== undefined) {
          // Due at Retry-After plus at most a second of spread, and the round trip. An HTTP-date
          // has whole seconds, so it may ask for up to one less.
          expect(gap, `${t.name}: next call ${gap} ms after a 429`).toBeGreaterThanOrEqual(
            t.retryAfterMs - 1_000,
          );
          expect(gap, `${t.name}: next call ${gap} ms after a 429`).toBeLessThanOrEqual(
            t.retryAfterMs + 1_000 + ROUND_TRIP_MS,
          );
        } else {
          // Full jitter up to FAST_BACKOFF's 200 ms, doubling per refusal; plus the round trip.
          expect(gap, `none: next call ${gap} ms after a 429`).toBeLessThanOrEqual(
            200 * 2 ** i + ROUND_TRIP_MS,
          );
        }
      }
    }
    // A 429 on one export says nothing about the project's quota: its budget is untouched.
    const view = await describeRateLimits(h.env.client, { taskQueue: h.taskQueue, projectId: project });
    expect(view.projects[0]?.share).toBe(1);
  });

  it("halves the project's rate once per overload when the gateway refuses it, for every worker, and shows it", async () => {
    const project = 'proj-overloaded';
    // Another client of the same project already uses most of its quota: ours gets 429s at ours.
    h.sim.injectFaults({
      fault: {
        kind: 'status',
        status: 429,
        body: { error_code: 'APIGW.0308', error_msg: 'policy user over ratelimit,limit:10,time:1 second' },
      },
      times: 6,
      path: `/v1/${project}/`,
    });
    const exports = Array.from({ length: 12 }, (_, i) =>
      h.sim.createExport(project, `srv-${i}`, { durationMs: 3_000 }),
    );
    const handles = await Promise.all(
      exports.map((e) =>
        h.track({ projectId: project, serverId: e.serverId, exportId: e.exportId, policy: EAGER }),
      ),
    );
    const results = await Promise.all(handles.map((handle) => handle.result()));
    expect(results.every((r) => r.outcome === 'completed')).toBe(true);

    const status = await waitFor(
      async () => {
        const s = await keeper(project).query(getRateLimitQuery);
        return s.throttles >= 6 ? s : undefined;
      },
      { what: 'the budget keeper to hear of every 429' },
    );
    // Six refusals of requests sent close together are one or two overloads, not six.
    expect(status.decreases).toBeGreaterThanOrEqual(1);
    expect(status.decreases).toBeLessThan(status.throttles);
    expect(status.share).toBeLessThan(1);
    expect(status.lastThrottle?.errorCode).toBe('APIGW.0308');
    expect(status.lastThrottle?.requestId).toMatch(/\w+/);
    // The lowered rate is on the task queue itself, where every worker's activities are paced.
    const view = await describeRateLimits(h.env.client, { taskQueue: h.taskQueue });
    expect(view.defaultQuota).toBe(QUOTA);
    expect(view.weights[projectFairnessKey(project)]).toBeCloseTo(status.share, 5);
    expect(view.projects.map((p) => p.projectId)).toContain(project);
  });

  it('gives a project a quota of its own and back, through its budget keeper', async () => {
    const project = 'proj-own-quota';
    const set = await setProjectQuota(h.env.client, { projectId: project, quota: 3, taskQueue: h.taskQueue });
    expect(set).toMatchObject<Partial<ProjectRateLimitStatus>>({ quota: 3, rate: 3, share: 1 });
    let view = await describeRateLimits(h.env.client, { taskQueue: h.taskQueue, projectId: project });
    expect(view.weights[projectFairnessKey(project)]).toBeCloseTo(3 / QUOTA, 5);

    const reset = await setProjectQuota(h.env.client, {
      projectId: project,
      quota: null,
      taskQueue: h.taskQueue,
    });
    expect(reset).toMatchObject<Partial<ProjectRateLimitStatus>>({ quota: null, rate: QUOTA });
    view = await describeRateLimits(h.env.client, { taskQueue: h.taskQueue, projectId: project });
    expect(view.weights[projectFairnessKey(project)]).toBeUndefined();

    await expect(
      setProjectQuota(h.env.client, { projectId: project, quota: -1, taskQueue: h.taskQueue }),
    ).rejects.toThrow(/setQuota: invalid input: quota: must be more than 0/);
    // Checked again by the keeper itself, for callers that update it directly.
    await expect(
      keeper(project).executeUpdate(setQuotaUpdate, { args: [{ quota: 0 }] }),
    ).rejects.toMatchObject({
      cause: { type: FailureType.InvalidInput, message: expect.stringMatching(/quota: must be more than 0/) },
    });
  });
});
