import { tsToMs } from '@temporalio/common/lib/time.js';
import { startTracking } from '../../src/client/tracking.js';
import { DEFAULT_TASK_QUEUE } from '../../src/contract/index.js';
import { dispatchRateForQuota } from '../../src/request-budget/contract.js';
import { busiestSecond } from '../../src/simulator/request-rate.js';
import { resultsOf } from './collections.js';
import { POLICY, type RunContext } from './context.js';
import { describeHosts, loadedOn, partitionEvents } from './partition-hosts.js';
import { check, figure, say, seconds } from './report.js';

const PROJECT = 'proj-b';
/**
 * Each asks up to five times a second, for exports of 3 to 4.8 s: far more than the budget lets
 * through (about 60 requests at 9.5 a second), so it binds for most of the burst. Not more: the
 * workers' own load at the start of the burst delays some requests and sends them together.
 */
const TRACKERS = 20;
/** Seconds at the budget's pace that show it held the project back, not that the load was light. */
const PACED_SECONDS = 3;

/**
 * A burst of eager trackers of one project. The simulator counts what reaches it, the histories
 * say when the server dispatched each poll (its activity task's start). The budget holds when the
 * busiest one-second window at the gateway stays within the project's quota; it binds when whole
 * seconds run at the task queue's per-key rate. One matching host must hold the activity
 * partition: that host's limiter is the project's one bucket.
 */
export async function budgetHolds(ctx: RunContext): Promise<void> {
  const exports = Array.from({ length: TRACKERS }, (_, i) =>
    ctx.sim.createExport(PROJECT, `srv-b${i + 1}`, { durationMs: 3_000 + (i % 10) * 200 }),
  );
  ctx.servers.push(...exports.map(({ projectId, serverId }) => ({ projectId, serverId })));
  const started = Date.now();
  const handles = await Promise.all(
    exports.map(({ serverId, exportId }) =>
      startTracking(ctx.client, { projectId: PROJECT, serverId, exportId, policy: POLICY }),
    ),
  );
  const results = await resultsOf(
    handles,
    exports.map((e) => e.serverId),
    `trackers of ${PROJECT}`,
  );
  const wallMs = Date.now() - started;
  check(
    results.every((r, i) => r.outcome === 'completed' && r.exportId === exports[i]?.exportId),
    `every tracker of ${PROJECT} completed its export`,
  );

  const arrivals = ctx.sim.requestsTo(`/v1/${PROJECT}/`).map((r) => r.at);
  const atGateway = ctx.sim.busiestSecondOf(PROJECT);
  const dispatches: number[] = [];
  for (const handle of handles)
    for (const event of (await handle.fetchHistory()).events ?? [])
      if (event.activityTaskStartedEventAttributes) dispatches.push(tsToMs(event.eventTime));
  const dispatched = busiestSecond(dispatches);
  const rate = dispatchRateForQuota(ctx.quota);
  const perSecond = countsPerSecond(arrivals);
  const paced = perSecond.filter((count) => count >= Math.floor(rate)).length;
  const matching = ctx.cluster.services.filter((s) => s.role === 'matching');
  const owners = loadedOn(await partitionEvents(matching, 'default', DEFAULT_TASK_QUEUE, 'Activity'));
  say(
    `(c) ${TRACKERS} trackers of ${PROJECT}: ${arrivals.length} requests in ${seconds(wallMs)} (a second at a time: ${perSecond.join(', ')}); busiest second ${atGateway} at the gateway, ${dispatched} dispatched (quota ${ctx.quota}); activity partition on ${owners.join(', ') || 'no host logged'}`,
  );
  figure(
    `(c) busiest second of ${PROJECT}, ${TRACKERS} eager trackers`,
    `${atGateway} requests at the gateway, ${dispatched} activities dispatched (quota ${ctx.quota}); ${paced} s at the queue's ${rate}/s; ${arrivals.length} requests in ${seconds(wallMs)}`,
  );
  figure(`(c) activity partition of ${DEFAULT_TASK_QUEUE} held by`, describeHosts(ctx.cluster, owners));
  check(owners.length === 1, `one matching host holds the activity partition, not ${owners.length}`);
  check(
    dispatched <= ctx.quota,
    `the server dispatched ${dispatched} of ${PROJECT}'s polls within one second, over its quota of ${ctx.quota}`,
  );
  check(
    atGateway <= ctx.quota,
    `${PROJECT}'s busiest second at the gateway held ${atGateway} requests, over its quota of ${ctx.quota} (the server dispatched at most ${dispatched} in a second: the workers sent some late, together)`,
  );
  check(
    paced >= PACED_SECONDS,
    `the budget bound for ${paced} s only (at least ${PACED_SECONDS} s of ${Math.floor(rate)} requests): the burst proves nothing`,
  );
}

/** How many of `times` (epoch ms) fell in each second, counted from the first. */
function countsPerSecond(times: number[]): number[] {
  const first = Math.min(...times);
  const counts: number[] = [];
  for (const at of times) {
    const second = Math.floor((at - first) / 1_000);
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return Array.from(counts, (count) => count ?? 0);
}
