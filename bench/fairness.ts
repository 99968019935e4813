/**
 * `npm run bench:fairness`: does one project with a thousand trackers backed up behind its request
 * budget delay another project's few? Tracks project B's exports alone, then again while project A
 * has `--a` eager trackers queued behind its limit, and prints B's detection latency both times
 * (a real dev server, the simulator, one worker paced by the task queue). See docs/benchmarks.md.
 */
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { startTracking, type TrackerHandle } from '../src/client/tracking.js';
import { seeded } from '../src/simulator/seeded-random.js';
import type { SimulatedExport } from '../src/simulator/server.js';
import { positive } from './cli-options.js';
import { startPacedStack } from './paced-stack.js';
import { quantile } from './stats.js';

const TASK_QUEUE = 'bench-fairness';
/** B's trackers poll as a user waiting for them would set them. */
const B_POLICY = { minInterval: '1s', maxInterval: '10s' } as const;
/** A's poll as often as they may: every one of them always wants its next turn. */
const A_POLICY = { minInterval: '1s', maxInterval: '2s' } as const;

interface Options {
  a: number;
  b: number;
  quota: number;
  seed: number;
}

const options = new Command('bench:fairness')
  .description("B's detection latency alone, and with project A's trackers backed up behind its budget")
  .option('--a <n>', "project A's trackers", positive('--a'), 1_000)
  .option('--b <n>', "project B's trackers", positive('--b'), 5)
  .option('--quota <n>', 'requests per second per project (CLOUDDC_RATE_LIMIT)', positive('--quota'), 5)
  .option('--seed <n>', "seed of B's export durations", positive('--seed'), Date.now() % 100_000)
  .parse()
  .opts<Options>();

const log = (line: string) => process.stderr.write(`${line}\n`);
Runtime.install({ logger: new DefaultLogger('ERROR') });
const stack = await startPacedStack('bench-fairness', options.quota, log);
const { env, sim } = stack;
const worker = await stack.worker(TASK_QUEUE);

try {
  await worker.runUntil(async () => {
    const random = seeded(options.seed);
    const durations = Array.from({ length: options.b }, () => 20_000 + Math.round(random() * 20_000));
    log(`seed ${options.seed}: B's exports of ${durations.map((d) => `${d / 1000} s`).join(', ')}`);

    const alone = await trackB(env.client, 'bench-b-alone', durations);
    log(`B alone: p50 ${s(quantile(alone, 0.5))} s, p95 ${s(quantile(alone, 0.95))} s`);

    log(`starting ${options.a} trackers of project A ...`);
    const aHandles: TrackerHandle[] = [];
    for (let i = 0; i < options.a; i += 50) {
      aHandles.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, options.a - i) }, (_, j) => {
            const record = sim.createExport('bench-a', `srv-${i + j}`, { durationMs: 3_600_000 });
            return startTracking(
              env.client,
              {
                projectId: 'bench-a',
                serverId: record.serverId,
                exportId: record.exportId,
                policy: A_POLICY,
              },
              { taskQueue: TASK_QUEUE },
            );
          }),
        )),
      );
    }
    // Long enough for every A tracker to have asked for its first poll: the backlog is there.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const aBefore = sim.requestsTo('/v1/bench-a/').length;
    const aStartedAt = Date.now();
    const contended = await trackB(env.client, 'bench-b-contended', durations);
    const aRate = (sim.requestsTo('/v1/bench-a/').length - aBefore) / ((Date.now() - aStartedAt) / 1000);
    const aPolled = new Set(sim.requestsTo('/v1/bench-a/').map((r) => r.path)).size;
    log(`B with A backed up: p50 ${s(quantile(contended, 0.5))} s, p95 ${s(quantile(contended, 0.95))} s`);
    await Promise.all(aHandles.map((h) => h.terminate('benchmark over').catch(() => undefined)));

    const ratio = quantile(contended, 0.95) / Math.max(1, quantile(alone, 0.95));
    const figures = {
      options,
      bAlone: summary(alone),
      bWithA: summary(contended),
      p95Ratio: Math.round(ratio * 100) / 100,
      aRequestsPerSecond: Math.round(aRate * 100) / 100,
      aTrackersPolledOnce: aPolled,
      aBusiestSecond: sim.busiestSecondOf('bench-a'),
      bBusiestSecond: sim.busiestSecondOf('bench-b-contended'),
    };
    console.log(JSON.stringify(figures, null, 2));
  });
} finally {
  await stack.close();
}

/** Tracks one export per duration in `projectId`; returns each one's detection latency (ms). */
async function trackB(client: Client, projectId: string, durations: number[]): Promise<number[]> {
  const records: SimulatedExport[] = durations.map((durationMs, i) =>
    sim.createExport(projectId, `srv-${i}`, { durationMs }),
  );
  const handles = await Promise.all(
    records.map((record) =>
      startTracking(
        client,
        { projectId, serverId: record.serverId, exportId: record.exportId, policy: B_POLICY },
        { taskQueue: TASK_QUEUE },
      ),
    ),
  );
  const results = await Promise.all(handles.map((h) => h.result()));
  return results.map((r, i) => Date.parse(r.completedAt) - (records[i]?.finishesAt ?? 0));
}

function summary(latencies: number[]) {
  return { p50Ms: quantile(latencies, 0.5), p95Ms: quantile(latencies, 0.95), maxMs: Math.max(...latencies) };
}

function s(ms: number): string {
  return (ms / 1000).toFixed(1);
}
