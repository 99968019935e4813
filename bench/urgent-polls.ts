/**
 * `npm run bench:urgent`: does a poll due at an export's predicted end still see the end in time
 * when its project's budget is saturated? The same exports (the bench's mix, 20 s to 3 min) are
 * tracked three times at once on a real dev server: in a project with an idle budget, beside
 * `--eager` trackers of their own project that keep its budget saturated, and the same again
 * with urgent polls taken out (a second workflow bundle where `bench/no-urgency.ts` stands in for
 * the rule). Prints the detection latency (the export's end to the tracker's completion) of each.
 * See docs/polling.md.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import webpack from 'webpack';
import { startTracking, type TrackerHandle } from '../src/client/tracking.js';
import { activityDispatches } from '../src/dev/activity-starts.js';
import { PRIORITY_KEY } from '../src/request-budget/contract.js';
import { workflowInterceptorModules } from '../src/worker/tracing.js';
import { workflowsPath } from '../src/worker/tracker-worker.js';
import { positive } from './cli-options.js';
import { startPacedStack } from './paced-stack.js';
import { type BenchExport, benchExports } from './scenarios.js';
import { quantile } from './stats.js';

/** The measured trackers poll as a user waiting for them would set them. */
const MEASURED_POLICY = { minInterval: '1s', maxInterval: '10s' } as const;
/** The eager ones as often as they may, on exports that last the whole run: a backlog that stays. */
const EAGER_POLICY = { minInterval: '1s', maxInterval: '2s' } as const;
/** Long enough for every eager tracker to have a poll waiting: the backlog is there. */
const WARM_UP_MS = 15_000;
const STATUS_POLLS = new Set(['getExportStatus']);

interface Options {
  eager: number;
  exports: number;
  quota: number;
  seeds: number[];
}

const options = new Command('bench:urgent')
  .description('detection latency under a saturated project budget, with urgent polls and without')
  .option('--eager <n>', 'trackers saturating the project budget', positive('--eager'), 40)
  .option('--exports <n>', 'measured exports in each arm', positive('--exports'), 20)
  .option('--quota <n>', 'requests per second per project (CLOUDDC_RATE_LIMIT)', positive('--quota'), 5)
  .option('--seeds <list>', 'comma-separated seeds of the exports', (v) => v.split(',').map(Number), [1])
  .parse()
  .opts<Options>();

const log = (line: string) => process.stderr.write(`${line}\n`);
Runtime.install({ logger: new DefaultLogger('ERROR') });
const stack = await startPacedStack('bench-urgent', options.quota, log);
const { env, sim } = stack;
const withUrgency = await stack.worker('bench-urgent-on');
const withoutUrgency = await stack.worker('bench-urgent-off', await bundleWithoutUrgency());

try {
  await withUrgency.runUntil(() =>
    withoutUrgency.runUntil(async () => {
      const runs = [];
      for (const seed of options.seeds) runs.push(await measure(env.client, seed));
      console.log(JSON.stringify({ options, runs }, null, 2));
    }),
  );
} finally {
  await stack.close();
}

/** One seed: the three arms at once, each in a project (and the last on a task queue) of its own. */
async function measure(client: Client, seed: number) {
  const mix = benchExports(options.exports, 1, seed);
  const eager = [
    ...(await startEager(client, `urgent-on-${seed}`, 'bench-urgent-on')),
    ...(await startEager(client, `urgent-off-${seed}`, 'bench-urgent-off')),
  ];
  await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
  const arms = await Promise.all([
    track(client, `urgent-idle-${seed}`, 'bench-urgent-on', mix),
    track(client, `urgent-on-${seed}`, 'bench-urgent-on', mix),
    track(client, `urgent-off-${seed}`, 'bench-urgent-off', mix),
  ]);
  const [idle, on, off] = arms.map((arm) => arm.latencies) as [number[], number[], number[]];
  await Promise.all(eager.map((h) => h.terminate('benchmark over').catch(() => undefined)));
  // Shorter exports end before two polls behind the queue have read them: nothing predicts their end.
  const long = (latencies: number[]) =>
    latencies.filter((_, i) => (mix[i]?.scenario.durationMs ?? 0) >= 60_000);
  const run = {
    seed,
    idle: summary(idle),
    urgent: summary(on),
    withoutUrgent: summary(off),
    p95Ratio: { urgent: ratio(on, idle), withoutUrgent: ratio(off, idle) },
    minuteOrLonger: {
      idle: summary(long(idle)),
      urgent: summary(long(on)),
      withoutUrgent: summary(long(off)),
      p95Ratio: { urgent: ratio(long(on), long(idle)), withoutUrgent: ratio(long(off), long(idle)) },
    },
    busiestSecond: sim.busiestSecondOf(`urgent-on-${seed}`),
    // Each export's latencies (s), to see which kinds of export the tail is made of.
    exports: mix.map((m, i) => ({
      kind: m.kind,
      durationS: Math.round((m.scenario.durationMs ?? 0) / 1000),
      idle: seconds(idle[i]),
      urgent: seconds(on[i]),
      withoutUrgent: seconds(off[i]),
      sawEnd: { idle: arms[0].sawEnd[i], urgent: arms[1].sawEnd[i], withoutUrgent: arms[2].sawEnd[i] },
    })),
  };
  const line = (figures: typeof run | typeof run.minuteOrLonger) =>
    `idle ${s(figures.idle)}, saturated with urgent polls ${s(figures.urgent)} (${figures.p95Ratio.urgent}x), without ${s(figures.withoutUrgent)} (${figures.p95Ratio.withoutUrgent}x)`;
  log(`seed ${seed}, p50/p95 s: ${line(run)}; exports of a minute or more: ${line(run.minuteOrLonger)}`);
  return run;
}

/** The saturating trackers: exports that outlast the run, polled as often as their budget allows. */
async function startEager(client: Client, projectId: string, taskQueue: string): Promise<TrackerHandle[]> {
  return Promise.all(
    Array.from({ length: options.eager }, (_, i) => {
      const record = sim.createExport(projectId, `eager-${i}`, { durationMs: 3_600_000 });
      return startTracking(
        client,
        { projectId, serverId: record.serverId, exportId: record.exportId, policy: EAGER_POLICY },
        { taskQueue },
      );
    }),
  );
}

/** Tracks one export per item of the mix; returns each one's detection latency (ms). */
async function track(client: Client, projectId: string, taskQueue: string, mix: BenchExport[]) {
  const records = mix.map((m, i) => sim.createExport(projectId, `measured-${i}`, m.scenario));
  const handles = await Promise.all(
    records.map((record) =>
      startTracking(
        client,
        { projectId, serverId: record.serverId, exportId: record.exportId, policy: MEASURED_POLICY },
        { taskQueue },
      ),
    ),
  );
  // A failed export ends its tracker with an error; its end was seen when the tracker closed.
  const closedAt = await Promise.all(
    handles.map(async (h) => {
      await h.result().catch(() => undefined);
      return (await h.describe()).closeTime?.getTime() ?? Date.now();
    }),
  );
  // The poll that saw the end: how long after the end it was placed, how long it waited for its
  // project's turn, and at which key, so a slow detection says whether policy or queue held it.
  const sawEnd = await Promise.all(
    handles.map(async (h, i) => {
      const polls = await activityDispatches(client, h.workflowId, STATUS_POLLS);
      const last = polls.at(-1);
      const end = records[i]?.finishesAt ?? 0;
      return last
        ? {
            key: last.priorityKey || PRIORITY_KEY.standard,
            placedAfterEndS: seconds(last.scheduledAt - end),
            waitedS: seconds(last.startedAt - last.scheduledAt),
          }
        : undefined;
    }),
  );
  return { latencies: closedAt.map((at, i) => at - (records[i]?.finishesAt ?? 0)), sawEnd };
}

/** The product's workflows with `bench/no-urgency.ts` in place of the urgency rule. */
async function bundleWithoutUrgency(): Promise<{ code: string }> {
  const stub = fileURLToPath(new URL('./no-urgency.ts', import.meta.url));
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    logger: new DefaultLogger('ERROR'),
    webpackConfigHook: (config) => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        new webpack.NormalModuleReplacementPlugin(/tracker\/urgency\.js$/, stub),
      ],
    }),
  });
}

function summary(latencies: number[]) {
  return { p50Ms: quantile(latencies, 0.5), p95Ms: quantile(latencies, 0.95), maxMs: Math.max(...latencies) };
}

function ratio(latencies: number[], idle: number[]): number {
  return Math.round((quantile(latencies, 0.95) / Math.max(1, quantile(idle, 0.95))) * 100) / 100;
}

function seconds(ms = 0): number {
  return Math.round(ms / 100) / 10;
}

function s({ p50Ms, p95Ms }: { p50Ms: number; p95Ms: number }): string {
  return `${(p50Ms / 1000).toFixed(1)}/${(p95Ms / 1000).toFixed(1)}`;
}
