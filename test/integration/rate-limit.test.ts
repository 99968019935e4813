import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityDispatches } from '../../src/dev/activity-starts.js';
import type { ProjectPacing } from '../../src/request-budget/project-pacing.js';
import { busiestSecond } from '../../src/simulator/request-rate.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

const LIMIT = 16;

describe.each<ProjectPacing>(['temporal', 'worker'])('the per-project rate limit, paced by %s', (pacing) => {
  let h: Harness;
  beforeAll(async () => {
    // The gateway and the worker agree on the limit, as an operator sets CLOUDDC_RATE_LIMIT.
    h = await startHarness({ simulator: { rateLimitPerProject: LIMIT }, rateLimit: LIMIT, pacing });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps 30 trackers polling fast on one project under the gateway limit, without a 429', async () => {
    const project = 'proj-paced';
    // Long enough that each tracker needs several polls even when its first turn comes last.
    const exports = Array.from({ length: 30 }, (_, i) =>
      h.sim.createExport(project, `srv-${i}`, { durationMs: 6_000 + (i % 5) * 300 }),
    );
    const handles = await Promise.all(
      exports.map((e) =>
        h.track({ projectId: project, serverId: e.serverId, exportId: e.exportId, policy: FAST_POLICY }),
      ),
    );

    const results = await Promise.all(handles.map((handle) => handle.result()));

    expect(results.every((r) => r.outcome === 'completed')).toBe(true);
    const requests = h.sim.requestsTo(`/v1/${project}/`);
    expect(requests.filter((r) => r.status === 429)).toEqual([]);
    // Never more than LIMIT in a second at the gateway: where Temporal paces, the worker's send
    // gate keeps it however the calls were dispatched or delayed (CI saw 18 arrive against 16
    // without it); the fallback limiter spaces sends inside the worker, one more on the window's
    // edge.
    expect(busiestSecond(requests.map((r) => r.at))).toBeLessThanOrEqual(
      pacing === 'temporal' ? LIMIT : LIMIT + 1,
    );
    // Unpaced, these policies would have asked for several times the limit.
    expect(requests.length).toBeGreaterThan(2 * LIMIT);
  });

  it('does not hold one project back for another whose trackers are queued behind its limit', async () => {
    // Sixty eager trackers of a busy project want several times its turns: its polls queue up.
    const busy = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const record = h.sim.createExport('proj-busy', `srv-${i}`, { durationMs: 60_000 });
        return h.track({
          projectId: 'proj-busy',
          serverId: record.serverId,
          exportId: record.exportId,
          policy: FAST_POLICY,
        });
      }),
    );
    await waitFor(() => (h.sim.requestsTo('/v1/proj-busy/').length >= 2 * LIMIT ? true : undefined), {
      what: "the busy project's polls",
    });
    const quick = h.sim.createExport('proj-other', 'srv-q', { durationMs: 300 });
    const handle = await h.track({
      projectId: 'proj-other',
      serverId: 'srv-q',
      exportId: quick.exportId,
      policy: FAST_POLICY,
    });
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    // From the first poll's scheduling to its arrival, so a machine slow to run workflow tasks
    // does not count: behind the busy project's queue (sixty polls, dispatched at 13.5 a second
    // at most, by Temporal or by the worker's own limiter) it would wait more than 4 s.
    const [firstPoll] = await activityDispatches(
      h.env.client,
      handle.workflowId,
      new Set(['getExportStatus']),
    );
    const arrival = h.sim.requestsTo('/v1/proj-other/').find((r) => r.at >= (firstPoll?.scheduledAt ?? 0));
    expect(firstPoll && arrival ? arrival.at - firstPoll.scheduledAt : Number.POSITIVE_INFINITY).toBeLessThan(
      2_000,
    );
    // The history also tells how each dispatched attempt ended, and when, on the server's clock.
    expect(firstPoll?.ended?.as).toBe('completed');
    expect(firstPoll?.ended?.at ?? 0).toBeGreaterThanOrEqual(
      firstPoll?.startedAt ?? Number.POSITIVE_INFINITY,
    );
    await Promise.all(busy.map((handle) => handle.cancel()));
  });
});
