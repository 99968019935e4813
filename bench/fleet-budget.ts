/**
 * `npm run bench:fleet-budget`: a nightly fleet run against one project's budget. `--workers`
 * worker processes (the product's `src/worker.ts`, each with `CLOUDDC_RATE_LIMIT=--quota`) on a
 * dev server with the documented dynamic config collect `--servers` servers of one project at a
 * concurrency of all of them, from a simulator that enforces the quota (429 past it) and gives each
 * server's export a duration drawn from `--seed`. Then the same exports again with an idle budget
 * (quota and gateway a hundred times over), for detection latency without waiting for turns.
 *
 * Prints, per run: wall time against the budget-bound minimum (the calls made divided by the
 * quota), the busiest second at the gateway, 429s, archives collected, detection latency (from
 * an export's end to its tracker seeing it) p50 / p95, the status polls' queue waits by priority
 * key, the calls at the gateway and the collections running by tenth of the run, when each of the
 * fleet's runs stopped starting collections and continued as new, and the lags the workers reported.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { startFleetCollection } from '../src/client/collection.js';
import { readFleetServers } from '../src/client/fleet-manifest.js';
import {
  ALL_SEARCH_ATTRIBUTES,
  ARRIVAL_JITTER_ROOM_S,
  collectServerLogsWorkflowId,
  type LogExportResult,
  logExportWorkflowId,
  WorkflowType,
} from '../src/contract/index.js';
import { activityDispatches } from '../src/dev/activity-starts.js';
import { startDevServer } from '../src/dev/dev-server.js';
import { PRIORITY_KEY, projectRateLimitWorkflowId } from '../src/request-budget/contract.js';
import { busiestSecond, secondsOver } from '../src/simulator/request-rate.js';
import { seeded } from '../src/simulator/seeded-random.js';
import { CloudDCSimulator } from '../src/simulator/server.js';
import { verifiedArchives } from './archive-check.js';
import { drawDurationMs, positive, withExportDurations } from './cli-options.js';
import { fleetRuns, keeperTimeline, meanRunning, widenedRoom } from './histories.js';
import { quantile } from './stats.js';
import {
  bundleProductWorkflows,
  gatewayFirst,
  spawnProductWorker,
  stopWorkers,
  untilPolling,
} from './worker-process.js';

const TOKEN = 'bench-token';
const REGION = 'cn-east-3';
const PROJECT = 'bench-fleet-budget';
/** The activities that call CloudDC, whose dispatches count against the budget. */
const CLOUDDC_CALLS = new Set(['requestExport', 'getExportStatus', 'downloadArchive']);
/** As eager as a demanding user would set it: the budget, not the policy, bounds detection. */
const POLICY = { minInterval: '2s', maxInterval: '20s' } as const;

const options = withExportDurations(new Command('bench:fleet-budget'), { minS: 20, maxS: 120 })
  .description('a fleet run of one project against its budget, and the same exports with an idle budget')
  .option('--servers <n>', 'servers in the project', positive('--servers'), 600)
  .option('--quota <n>', 'requests a second the gateway allows the project', positive('--quota'), 20)
  .option('--workers <n>', 'worker processes', positive('--workers'), 3)
  .option('--seed <n>', "seed of the exports' durations", positive('--seed'), 1)
  .option('--concurrency <n>', 'collections at a time', positive('--concurrency'), 500)
  .option(
    '--idle-concurrency <n>',
    'collections at a time with the idle budget: it polls at its natural pace, so fewer keep the machine as busy',
    positive('--idle-concurrency'),
    100,
  )
  .option(
    '--no-idle',
    'skip the run with an idle budget (its figures depend on the policy, not on the budget)',
  )
  .parse()
  .opts<{
    servers: number;
    quota: number;
    workers: number;
    seed: number;
    minDuration: number;
    maxDuration: number;
    concurrency: number;
    idleConcurrency: number;
    idle: boolean;
  }>();

Runtime.install({ logger: new DefaultLogger('ERROR') });
const dir = await mkdtemp(join(tmpdir(), 'bench-fleet-budget-'));
const bundlePath = await bundleProductWorkflows(dir);
const random = seeded(options.seed);
const durationsMs = Array.from({ length: options.servers }, () => drawDurationMs(random, options));

console.log(
  `${options.servers} servers of one project, quota ${options.quota}/s, ${options.workers} workers, ` +
    `exports of ${options.minDuration} to ${options.maxDuration} s (seed ${options.seed}), ${options.concurrency} at a time (${options.idleConcurrency} with the idle budget)`,
);
const saturated = report('budget', await measure(options.quota, options.concurrency));
if (options.idle) {
  const idle = report('idle budget', await measure(options.quota * 100, options.idleConcurrency));
  console.log(
    `detection p95 under the budget / with an idle budget: ${(saturated.p95S / idle.p95S).toFixed(2)}x`,
  );
}
await rm(dir, { recursive: true, force: true });

function report(name: string, figures: Awaited<ReturnType<typeof measure>>) {
  console.log(
    `${name.padEnd(12)} wall ${figures.wallS.toFixed(0)} s, ${figures.calls} calls (minimum ${figures.minimumS.toFixed(0)} s at the quota: ${(figures.wallS / figures.minimumS).toFixed(2)}x); ` +
      `busiest second ${figures.busiestSecond} at the gateway, ${figures.busiestDispatchSecond} dispatched; 429s ${figures.throttled} (${((100 * figures.throttled) / figures.calls).toFixed(2)} %); ` +
      `archives ${figures.collected} of ${options.servers} (${figures.verified} verified); detection p50 ${figures.p50S.toFixed(1)} s, p95 ${figures.p95S.toFixed(1)} s; ` +
      `seen by an urgent poll ${figures.urgentEnds} (p95 ${figures.urgentP95S.toFixed(1)} s), by a routine one ${figures.routineEnds} (p95 ${figures.routineP95S.toFixed(1)} s)`,
  );
  for (const failure of figures.failures.slice(0, 5)) {
    console.log(`${''.padEnd(12)} failed ${failure.serverId}: ${failure.type}: ${failure.message}`);
  }
  console.log(`${''.padEnd(12)} ends a routine poll saw, by its key: ${figures.seenBy.join('; ')}`);
  const over = figures.dispatchedOver;
  console.log(
    `${''.padEnd(12)} ${over.length} seconds dispatched more than the quota${over.length ? ':' : ''} ${over
      .slice(0, 8)
      .map((o) => `${o.count} at ${o.atS.toFixed(0)} s`)
      .join(', ')}`,
  );
  const gateway = figures.gatewayOver;
  console.log(
    `${''.padEnd(12)} ${gateway.length} seconds at the gateway over the quota${gateway.length ? ':' : ''} ${gateway
      .slice(0, 12)
      .map((o) => `${o.count} at ${o.atS.toFixed(0)} s`)
      .join(', ')}`,
  );
  const wait = (name: string, values: number[]) =>
    `${values.length} ${name} polls waited p50 ${quantile(values, 0.5).toFixed(1)} s, p95 ${quantile(values, 0.95).toFixed(1)} s`;
  console.log(
    `${''.padEnd(12)} ${[...figures.waitsByKey].map(([key, waits]) => wait(`key-${key}`, waits)).join('; ')}`,
  );
  const delays = figures.arrivalDelays;
  console.log(
    `${''.padEnd(12)} ${delays.length} status polls arrived at the gateway after their dispatch: p50 ${quantile(delays, 0.5).toFixed(2)} s, ` +
      `p95 ${quantile(delays, 0.95).toFixed(2)} s, p99 ${quantile(delays, 0.99).toFixed(2)} s, max ${Math.max(0, ...delays).toFixed(2)} s; ` +
      `${delays.filter((d) => d > ARRIVAL_JITTER_ROOM_S).length} later than the room of ${ARRIVAL_JITTER_ROOM_S.toFixed(2)} s`,
  );
  console.log(
    `${''.padEnd(12)} calls per second at the gateway, by tenth of the run, as a share of the quota: ${figures.profile.map((share) => share.toFixed(2)).join(' ')}`,
  );
  console.log(
    `${''.padEnd(12)} collections running, mean by tenth: ${figures.running.map((n) => n.toFixed(0)).join(' ')}; ` +
      (figures.handovers.length
        ? `the fleet's runs stopped starting / continued as new at ${figures.handovers.map((h) => `${h.stoppedStartingS.toFixed(0)} / ${h.continuedS.toFixed(0)} s`).join(', ')}`
        : 'the fleet never continued as new'),
  );
  const { keeper } = figures;
  console.log(
    `${''.padEnd(12)} ${keeper.lagsMs.length} lags reported (the worst ${Math.max(0, ...keeper.lagsMs)} ms); ` +
      `the room for arrivals widened for ${keeper.room.seconds.toFixed(0)} s (the widest ${keeper.room.widestMs.toFixed(0)} ms); ` +
      `the keeper continued as new ${keeper.continued} times`,
  );
  return figures;
}

async function measure(quota: number, concurrency: number) {
  const env = await startDevServer({
    searchAttributes: ALL_SEARCH_ATTRIBUTES,
    outputFile: join(dir, 'dev-server.log'),
  });
  const sim = await CloudDCSimulator.start({ tokens: [TOKEN], rateLimitPerProject: quota });
  for (const [i, durationMs] of durationsMs.entries())
    sim.addServer(PROJECT, `srv-${String(i).padStart(5, '0')}`, { exportScenario: { durationMs } });
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < options.workers; i++) {
      const child = spawnProductWorker({
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_WORKFLOW_BUNDLE: bundlePath,
        CLOUDDC_REGION: REGION,
        CLOUDDC_ENDPOINT: sim.url,
        CLOUDDC_AUTH_TOKEN: TOKEN,
        CLOUDDC_RATE_LIMIT: String(quota),
        CLOUDDC_ARCHIVE_DIR: join(dir, `archives-${quota}`),
      });
      workers.push(child);
      await untilPolling(child);
    }
    gatewayFirst(-10);
    const started = Date.now();
    const fleet = await startFleetCollection(env.client, {
      projectId: PROJECT,
      concurrency: Math.min(options.servers, concurrency),
      policy: POLICY,
    });
    const result = await fleet.result();
    const wallS = (Date.now() - started) / 1000;
    const lines = await readFleetServers(result);
    const collected = lines.flatMap((line) => (line.status === 'collected' ? [line] : []));
    const requests = sim.requestsTo(`/v1/${PROJECT}/`);
    const trackers = await Promise.all(
      collected.map(async ({ serverId, exportId }) => {
        const record = sim.exportsOf(PROJECT, serverId)[0];
        const workflowId = logExportWorkflowId({ projectId: PROJECT, serverId, exportId });
        const tracked = (await env.client.workflow.getHandle(workflowId).result()) as LogExportResult;
        const polls = await activityDispatches(env.client, workflowId, CLOUDDC_CALLS);
        const lastPoll = polls.findLast((d) => d.type === 'getExportStatus');
        const statusPolls = polls.filter((d) => d.type === 'getExportStatus');
        const arrivals = record ? sim.statusRequests(record) : [];
        return {
          detectionS: (Date.parse(tracked.completedAt) - (record?.finishesAt ?? 0)) / 1000,
          seenUrgently: lastPoll?.priorityKey === PRIORITY_KEY.urgentPoll,
          // The key of the poll that saw the end, and whether an urgent poll had gone before it:
          // an end a routine poll saw, told apart as unforetold from the start or overdue.
          seenAtKey: lastPoll?.priorityKey || PRIORITY_KEY.standard,
          afterUrgent: polls.slice(0, -1).some((d) => d.priorityKey === PRIORITY_KEY.urgentPoll),
          dispatched: polls.map((d) => d.startedAt),
          polls: statusPolls,
          // Each poll's arrival at the gateway after the server handed it to a worker, where the
          // two line up one for one (a poll whose attempt failed on the wire has no arrival).
          arrivalDelaysS:
            arrivals.length === statusPolls.length
              ? statusPolls.map((d, i) => ((arrivals[i]?.at ?? d.startedAt) - d.startedAt) / 1000)
              : [],
        };
      }),
    );
    const collections = await Promise.all(
      collected.map(({ serverId }) =>
        activityDispatches(
          env.client,
          collectServerLogsWorkflowId({ projectId: PROJECT, serverId }),
          CLOUDDC_CALLS,
        ),
      ),
    );
    const dispatched = [
      ...trackers.flatMap((t) => t.dispatched),
      ...collections.flat().map((d) => d.startedAt),
    ];
    const detections = trackers.map((t) => t.detectionS);
    const urgent = trackers.filter((t) => t.seenUrgently).map((t) => t.detectionS);
    const routineSeen = trackers.filter((t) => !t.seenUrgently);
    const routine = routineSeen.map((t) => t.detectionS);
    const byKey = new Map<string, number[]>();
    for (const t of routineSeen) {
      const what = `key ${t.seenAtKey}${t.afterUrgent ? ' after an urgent poll' : ''}`;
      byKey.set(what, [...(byKey.get(what) ?? []), t.detectionS]);
    }
    const seenBy = [...byKey]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([what, seen]) => `${what}: ${seen.length} (p95 ${quantile(seen, 0.95).toFixed(1)} s)`);
    const waitsByKey = new Map<number, number[]>();
    for (const d of trackers.flatMap((t) => t.polls).sort((a, b) => a.priorityKey - b.priorityKey)) {
      waitsByKey.set(d.priorityKey, [
        ...(waitsByKey.get(d.priorityKey) ?? []),
        (d.startedAt - d.scheduledAt) / 1000,
      ]);
    }
    const tenth = (wallS * 1000) / 10;
    const tenths = Array.from({ length: 10 }, (_, i) => ({
      from: started + i * tenth,
      to: started + (i + 1) * tenth,
    }));
    const profile = tenths.map(
      ({ from, to }) => requests.filter((r) => r.at >= from && r.at < to).length / ((tenth / 1000) * quota),
    );
    // Where the calls dip, whether slots stood empty, and whether a run's handover was then.
    const running = await meanRunning(
      env.client,
      `WorkflowType = '${WorkflowType.CollectServerLogs}'`,
      tenths,
    );
    const handovers = (await fleetRuns(env.client, fleet.workflowId)).slice(0, -1).map((run) => ({
      stoppedStartingS: ((run.lastStartAt ?? run.closedAt) - started) / 1000,
      continuedS: (run.closedAt - started) / 1000,
    }));
    const timeline = await keeperTimeline(env.client, projectRateLimitWorkflowId(PROJECT));
    return {
      wallS,
      busiestDispatchSecond: busiestSecond(dispatched),
      gatewayOver: secondsOver(
        requests.map((r) => r.at),
        quota,
      ).map(({ at, count }) => ({ atS: (at - started) / 1000, count })),
      // Temporal's catch-up may dispatch more than the quota in a second; the send gates keep
      // the gateway's seconds at it.
      dispatchedOver: secondsOver(dispatched, quota).map(({ at, count }) => ({
        atS: (at - started) / 1000,
        count,
      })),
      calls: requests.length,
      minimumS: requests.length / quota,
      busiestSecond: sim.busiestSecondOf(PROJECT),
      throttled: requests.filter((r) => r.status === 429).length,
      collected: result.succeeded,
      failures: lines.flatMap((line) => (line.status === 'failed' ? [line] : [])),
      verified: await verifiedArchives(sim, PROJECT, lines),
      urgentEnds: urgent.length,
      urgentP95S: quantile(urgent, 0.95),
      routineEnds: routine.length,
      routineP95S: quantile(routine, 0.95),
      seenBy,
      profile,
      running,
      handovers,
      arrivalDelays: trackers.flatMap((t) => t.arrivalDelaysS),
      waitsByKey,
      keeper: {
        continued: timeline.continuedAt.length,
        lagsMs: timeline.lagsMs,
        room: widenedRoom(timeline, started, started + wallS * 1000),
      },
      p50S: quantile(detections, 0.5),
      p95S: quantile(detections, 0.95),
    };
  } finally {
    gatewayFirst(0);
    await stopWorkers(...workers);
    await sim.close();
    await env.teardown();
  }
}
