import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import { startTracking } from '../../src/client/tracking.js';
import { DEFAULT_TASK_QUEUE } from '../../src/contract/index.js';
import { dispatchRateForQuota } from '../../src/request-budget/contract.js';
import { busiestSecond, countsPerSecond } from '../../src/simulator/request-rate.js';
import { resultsOf } from './collections.js';
import { POLICY, type RunContext } from './context.js';
import { describeHosts, loadedOn, partitionEvents } from './partition-hosts.js';
import { check, figure, say, seconds } from './report.js';

const PROJECT = 'proj-b';
/**
 * Each polls about once a second (its own budget of calls, at this policy), for exports of 3 to
 * 4.8 s: three times as many trackers as the queue's rate a second ask for about three times
 * what the budget lets through, so most polls wait for their turn. (Twenty, fixed, were twice
 * the rate of an earlier budget, (quota - 1) / 2; against the flat rate's 17.1 they waited 4.0 s
 * in all, and twice the rate, 35, waited 8.3 to 15.7 s: too near the bound below.)
 */
function trackersFor(quota: number): number {
  return Math.ceil(3 * dispatchRateForQuota(quota));
}
/**
 * A poll held back by the budget waits in the task queue for its turn, up to about a second here
 * (45.4 s in all for 52 trackers, measured); one that is not is dispatched within 5 to 30 ms
 * (measured), so the burst's polls would wait a few seconds in all. This much shows the budget
 * bound.
 */
const HELD_BACK_IN_ALL_MS = 8_000;

/**
 * A burst of eager trackers of one project. The simulator counts what reaches it, the histories
 * say when the server dispatched each poll (its activity task's start). The budget holds when the
 * busiest one-second window at the gateway stays within the project's quota (the workers' send
 * gates keep it, whatever the server dispatched in a second); it binds when polls
 * wait in the task queue for their turn. One matching host must hold the activity partition: that
 * host's limiter is the project's one bucket.
 */
export async function budgetHolds(ctx: RunContext): Promise<void> {
  const trackers = trackersFor(ctx.quota);
  const exports = Array.from({ length: trackers }, (_, i) =>
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
  const { dispatches, waits } = await dispatchesOf(handles);
  const dispatched = busiestSecond(dispatches);
  const waited = waits.reduce((a, b) => a + b, 0);
  const rate = dispatchRateForQuota(ctx.quota);
  const matching = ctx.cluster.services.filter((s) => s.role === 'matching');
  const owners = loadedOn(await partitionEvents(matching, 'default', DEFAULT_TASK_QUEUE, 'Activity'));
  say(
    `(c) ${trackers} trackers of ${PROJECT}: ${arrivals.length} requests in ${seconds(wallMs)} (a second at a time: ${countsPerSecond(arrivals).join(', ')}); busiest second ${atGateway} at the gateway, ${dispatched} dispatched (quota ${ctx.quota}); activity partition on ${owners.join(', ') || 'no host logged'}`,
  );
  figure(
    `(c) busiest second of ${PROJECT}, ${trackers} eager trackers`,
    `${atGateway} requests at the gateway, ${dispatched} activities dispatched (quota ${ctx.quota}, the queue's rate ${rate}/s); ${arrivals.length} requests in ${seconds(wallMs)}`,
  );
  figure(
    `(c) polls held back by the budget`,
    `${waits.length} polls waited ${seconds(waited)} in all for their turn (longest ${seconds(Math.max(...waits))}; ${waits.filter((ms) => ms >= 500).length} of them 0.5 s or more)`,
  );
  figure(`(c) activity partition of ${DEFAULT_TASK_QUEUE} held by`, describeHosts(ctx.cluster, owners));
  check(owners.length === 1, `one matching host holds the activity partition, not ${owners.length}`);
  // Only the gateway's second is checked: the server may dispatch up to twice its rate in one
  // second (its limiter's catch-up after an idle spell), and the workers' send gates hold the gateway's.
  check(
    atGateway <= ctx.quota,
    `${PROJECT}'s busiest second at the gateway held ${atGateway} requests, over its quota of ${ctx.quota} (the server dispatched at most ${dispatched} in a second)`,
  );
  check(
    waited >= HELD_BACK_IN_ALL_MS,
    `the polls waited ${seconds(waited)} in all for their turn, less than ${seconds(HELD_BACK_IN_ALL_MS)}: the budget hardly held the project back, and the burst proves nothing`,
  );
}

/**
 * From the trackers' histories: when the server dispatched each poll (its activity task's start)
 * and how long it had waited in the task queue since it was scheduled.
 */
async function dispatchesOf(handles: WorkflowHandle[]): Promise<{ dispatches: number[]; waits: number[] }> {
  const dispatches: number[] = [];
  const waits: number[] = [];
  for (const handle of handles) {
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduledAt = new Map(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes)
        .map((e) => [Number(e.eventId), tsToMs(e.eventTime)] as const),
    );
    for (const event of events) {
      const started = event.activityTaskStartedEventAttributes;
      if (!started) continue;
      const at = tsToMs(event.eventTime);
      dispatches.push(at);
      waits.push(at - (scheduledAt.get(Number(started.scheduledEventId)) ?? at));
    }
  }
  return { dispatches, waits };
}
