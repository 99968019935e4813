/**
 * `npm run bench`: the fixed-interval loop, the retry-policy pattern and our adaptive tracker,
 * side by side on the same mix of simulated exports, against a real dev server. Prints one table
 * (or JSON) and writes a chart. See docs/benchmarks.md.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';
import { ALL_SEARCH_ATTRIBUTES } from '../src/contract/index.js';
import { startDevServer } from '../src/dev/dev-server.js';
import { CloudDCSimulator, type SimulatedExport } from '../src/simulator/server.js';
import { renderChart } from './chart.js';
import { positive } from './cli-options.js';
import { endForetold, generatedExports } from './generated-exports.js';
import { type WorkflowCost, workflowCost } from './histories.js';
import { benchExports, type CurveKind } from './scenarios.js';
import { familyPlans, renderShapeTable, runShapePlans, type ShapePlan } from './shape-run.js';
import { SHAPE_FAMILIES } from './shapes.js';
import { quantile } from './stats.js';
import { STRATEGIES, type Strategy, workflowStart } from './strategies.js';
import { renderRows } from './table.js';
import { benchTaskQueue, outcomeOf, spawnWorker, TOKEN } from './workers.js';

interface Options {
  exports: number;
  timeScale: number;
  strategies: Strategy[];
  rateLimit?: number;
  workerRateLimit?: number;
  /** Worker processes of ours on its task queue, sharing the project's budget through Temporal. */
  workers: number;
  seed: number;
  /** Shape families to measure against the equal-cost fixed poller, instead of the mix. */
  shapes?: string[] | true;
  /** The generated population of exports of any shape (bench/generated-exports.ts), this many. */
  random?: number;
  /** With --shapes or --random: list ours' slowest detections per family. */
  worst?: number;
  /** File for the figures as JSON; `-` for stdout (after the dev server's banner). */
  json?: string;
  chart: string | false;
}

interface ExportRun {
  kind: CurveKind;
  expected: 'completed' | 'failed';
  got: 'completed' | 'failed' | 'error';
  latencyMs: number;
  calls: number;
  throttled: number;
  cost: WorkflowCost;
}

export interface StrategyFigures {
  strategy: Strategy;
  /** The most requests the project got within one second. */
  busiestSecond?: number;
  exports: number;
  callsPerExport: number;
  throttled: number;
  throttledShare: number;
  latencyMs: { p50: number; p95: number; max: number };
  /** Detection latency p95 by curve, completed exports only. */
  latencyP95ByCurveMs: Partial<Record<CurveKind, number>>;
  failureLatencyMs: { p50: number; max: number };
  eventsPerExport: number;
  maxEventsPerRun: number;
  actionsPerExport: number;
  workerCpuSeconds: number;
  workerPeakRssMb: number;
  peakConcurrent: number;
  correct: number;
  wallSeconds: number;
}

function parseOptions(): Options {
  const program = new Command('bench')
    .description('Compare fixed-interval polling, retry-policy polling and the adaptive tracker')
    .option('--exports <n>', 'exports per strategy', positive('--exports'), 100)
    .option(
      '--time-scale <k>',
      'multiplies export durations and poll intervals (1: 20 s to 3 min)',
      positive('--time-scale'),
      1,
    )
    .option('--strategies <list>', 'comma-separated: fixed,retry,ours', (v) => parseStrategies(v), [
      ...STRATEGIES,
    ])
    .option(
      '--rate-limit <n>',
      "the simulator's requests/s per project (default: none)",
      positive('--rate-limit'),
    )
    .option(
      '--worker-rate-limit <n>',
      'ours: CLOUDDC_RATE_LIMIT (default: --rate-limit, else 1000)',
      positive('--worker-rate-limit'),
    )
    .option('--workers <n>', 'ours: worker processes on its task queue', positive('--workers'), 1)
    .option('--seed <n>', 'seed of the exports (default: a new one each run)', positive('--seed'))
    .option(
      '--shapes [families]',
      `per shape family against a fixed poller making as many calls (${SHAPE_FAMILIES.map((f) => f.name).join(', ')}; default all)`,
      (v: string) => v.split(',').map((name) => shapeFamily(name.trim())),
    )
    .option(
      '--random <n>',
      'n generated exports of any shape (30 s to 20 min at 1 s / 60 s) against a fixed poller making as many calls',
      positive('--random'),
    )
    .option('--worst <n>', "with --shapes or --random: list ours' n slowest detections", positive('--worst'))
    .option(
      '--json <file>',
      "write the figures as JSON to this file ('-': stdout, after the dev server's banner)",
    )
    .option('--chart <file>', 'SVG chart to write', 'docs/benchmark.svg')
    .option('--no-chart', 'do not write a chart')
    .parse();
  const options = program.opts<Options>();
  options.seed ??= 1 + Math.floor(Math.random() * 999_999);
  return options;
}

function parseStrategies(value: string): Strategy[] {
  const list = value.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !(STRATEGIES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown strategies: ${unknown.join(', ')}`);
  return list as Strategy[];
}

function shapeFamily(name: string): string {
  if (!SHAPE_FAMILIES.some((f) => f.name === name))
    throw new InvalidArgumentError(`unknown shape family: ${name}`);
  return name;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`seed ${options.seed}`);
  const env = await startDevServer({ searchAttributes: ALL_SEARCH_ATTRIBUTES });
  const sim = await CloudDCSimulator.start({
    tokens: [TOKEN],
    requestLogLimit: 10_000,
    ...(options.rateLimit ? { rateLimitPerProject: options.rateLimit } : {}),
  });
  const workers: ChildProcess[] = [];
  try {
    if (options.shapes || options.random) {
      await measureShapes(env.client, env.address, sim, options, workers, log);
      return;
    }
    const mix = benchExports(options.exports, options.timeScale, options.seed);
    log(
      `${options.exports} exports per strategy (${countKinds(mix.map((m) => m.kind))}), time scale ${options.timeScale}` +
        (options.rateLimit ? `, simulator limit ${options.rateLimit} requests/s per project` : ''),
    );
    const started = await Promise.all(
      options.strategies.map(async (strategy) => {
        const count = strategy === 'ours' ? options.workers : 1;
        const spawned = Array.from({ length: count }, () =>
          spawnWorker(strategy, env.address, sim.url, options.workerRateLimit ?? options.rateLimit ?? 1_000),
        );
        workers.push(...spawned.map((w) => w.process));
        await Promise.all(spawned.map((w) => w.ready));
        return { strategy, spawned };
      }),
    );
    log(`workers ready: ${options.strategies.join(', ')}`);
    const figures = await Promise.all(
      started.map(async ({ strategy, spawned }) => {
        const startedAt = Date.now();
        const runs = await runStrategy(env.client, sim, strategy, mix, options.timeScale, log);
        const wallSeconds = (Date.now() - startedAt) / 1000;
        for (const worker of spawned) worker.process.kill('SIGTERM');
        const usages = await Promise.all(spawned.map((w) => w.usage));
        const usage = {
          cpuSeconds: sum(usages.map((u) => u.cpuSeconds)),
          peakRssMb: Math.max(...usages.map((u) => u.peakRssMb)),
        };
        return {
          ...summarize(strategy, runs, usage, wallSeconds),
          busiestSecond: sim.busiestSecondOf(`bench-${strategy}`),
        };
      }),
    );
    const json = `${JSON.stringify({ options, figures }, null, 2)}\n`;
    if (options.json === '-') process.stdout.write(json);
    else {
      console.log(renderTable(figures, options));
      if (options.json) await writeFile(options.json, json);
    }
    if (options.chart) {
      await writeFile(options.chart, renderChart(figures, options.exports, options.timeScale));
      log(`chart written to ${options.chart}`);
    }
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await sim.close();
    await env.teardown();
  }
}

async function runStrategy(
  client: Client,
  sim: CloudDCSimulator,
  strategy: Strategy,
  mix: ReturnType<typeof benchExports>,
  scale: number,
  log: (line: string) => void,
): Promise<ExportRun[]> {
  const projectId = `bench-${strategy}`;
  const tracked: Array<{ record: SimulatedExport; kind: CurveKind; workflowId: string; runId: string }> = [];
  // Started in batches: the export is created just before its tracker, as a real caller would.
  for (let i = 0; i < mix.length; i += 50) {
    const batch = mix.slice(i, i + 50);
    tracked.push(
      ...(await Promise.all(
        batch.map(async ({ kind, scenario }, j) => {
          const record = sim.createExport(projectId, `srv-${i + j}`, scenario);
          const start = workflowStart(strategy, record, scale);
          const handle = await client.workflow.start(start.workflowType, {
            taskQueue: benchTaskQueue(strategy),
            workflowId: start.workflowId,
            args: start.args,
          });
          return { record, kind, workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
        }),
      )),
    );
  }
  // One long poll at a time: all run at once, so waiting in order takes as long as the slowest.
  const outcomes: Array<ExportRun['got']> = [];
  let reported = Date.now();
  for (const { workflowId } of tracked) {
    outcomes.push(await outcomeOf(client, strategy, workflowId));
    if (Date.now() - reported > 10_000) {
      log(`${strategy}: ${outcomes.length} of ${tracked.length} done`);
      reported = Date.now();
    }
  }
  const runs: ExportRun[] = [];
  for (let i = 0; i < tracked.length; i += 20) {
    runs.push(
      ...(await Promise.all(
        tracked.slice(i, i + 20).map(async ({ record, kind, workflowId, runId }, j) => {
          const cost = await workflowCost(client, workflowId, runId);
          const got = outcomes[i + j] as ExportRun['got'];
          const tally = sim.statusTally(record);
          return {
            kind,
            expected: record.scenario.outcome,
            got,
            latencyMs: cost.closedAt - record.finishesAt,
            calls: tally.requests,
            throttled: tally.throttled,
            cost,
          };
        }),
      )),
    );
  }
  return runs;
}

function summarize(
  strategy: Strategy,
  runs: ExportRun[],
  usage: { cpuSeconds: number; peakRssMb: number },
  wallSeconds: number,
): StrategyFigures {
  const n = runs.length;
  const calls = sum(runs.map((r) => r.calls));
  const throttled = sum(runs.map((r) => r.throttled));
  // Latency means something only for exports that reached the right end.
  const right = runs.filter((r) => r.got === r.expected);
  const latencies = right.filter((r) => r.expected === 'completed').map((r) => r.latencyMs);
  const failures = right.filter((r) => r.expected === 'failed').map((r) => r.latencyMs);
  return {
    strategy,
    exports: n,
    callsPerExport: calls / n,
    throttled,
    throttledShare: calls === 0 ? 0 : throttled / calls,
    latencyMs: {
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      max: Math.max(0, ...latencies),
    },
    latencyP95ByCurveMs: Object.fromEntries(
      (['linear', 'steps', 'stall'] as const).map((kind) => [
        kind,
        quantile(
          right.filter((r) => r.kind === kind).map((r) => r.latencyMs),
          0.95,
        ),
      ]),
    ),
    failureLatencyMs: { p50: quantile(failures, 0.5), max: Math.max(0, ...failures) },
    eventsPerExport: sum(runs.map((r) => r.cost.events)) / n,
    maxEventsPerRun: Math.max(0, ...runs.map((r) => r.cost.maxEventsPerRun)),
    actionsPerExport: sum(runs.map((r) => r.cost.actions)) / n,
    workerCpuSeconds: usage.cpuSeconds,
    workerPeakRssMb: usage.peakRssMb,
    peakConcurrent: peakOverlap(runs.map((r) => [r.cost.startedAt, r.cost.closedAt] as const)),
    correct: runs.filter((r) => r.got === r.expected).length,
    wallSeconds,
  };
}

function renderTable(figures: StrategyFigures[], options: Options): string {
  const rows: Array<[string, (f: StrategyFigures) => string]> = [
    ['API calls per export', (f) => f.callsPerExport.toFixed(1)],
    ['429s received (share of calls)', (f) => `${f.throttled} (${(f.throttledShare * 100).toFixed(2)} %)`],
    ['requests in the busiest second', (f) => String(f.busiestSecond ?? '-')],
    [
      'detection latency p50 / p95 / max (s)',
      (f) => `${s(f.latencyMs.p50)} / ${s(f.latencyMs.p95)} / ${s(f.latencyMs.max)}`,
    ],
    [
      'p95 by curve: linear / steps / stall (s)',
      (f) =>
        ['linear', 'steps', 'stall'].map((k) => s(f.latencyP95ByCurveMs[k as CurveKind] ?? 0)).join(' / '),
    ],
    ['failure detection p50 / max (s)', (f) => `${s(f.failureLatencyMs.p50)} / ${s(f.failureLatencyMs.max)}`],
    [
      'history events per export (max per run)',
      (f) => `${f.eventsPerExport.toFixed(1)} (${f.maxEventsPerRun})`,
    ],
    ['billable actions per export', (f) => f.actionsPerExport.toFixed(1)],
    [
      'worker CPU s / peak RSS MB',
      (f) => `${f.workerCpuSeconds.toFixed(1)} / ${f.workerPeakRssMb.toFixed(0)}`,
    ],
    ['exports tracked concurrently (peak)', (f) => String(f.peakConcurrent)],
    ['right outcome', (f) => `${f.correct} of ${f.exports}`],
    ['wall time (s)', (f) => f.wallSeconds.toFixed(0)],
  ];
  const header = ['', ...figures.map((f) => f.strategy)];
  const body = rows.map(([label, cell]) => [label, ...figures.map(cell)]);
  const lines = [renderRows([header, ...body])];
  const fixed = figures.find((f) => f.strategy === 'fixed');
  const ours = figures.find((f) => f.strategy === 'ours');
  if (fixed && ours) {
    lines.push(
      '',
      `ours / fixed: ${(ours.callsPerExport / fixed.callsPerExport).toFixed(2)} of the API calls, ` +
        `p95 detection ${s(ours.latencyMs.p95)} s vs ${s(fixed.latencyMs.p95)} s`,
    );
  }
  if (options.rateLimit && ours) {
    lines.push(
      `ours: ${(ours.throttledShare * 100).toFixed(2)} % of calls answered 429 under ${options.rateLimit} requests/s`,
    );
  }
  return lines.join('\n');
}

async function measureShapes(
  client: Client,
  address: string,
  sim: CloudDCSimulator,
  options: Options,
  workers: ChildProcess[],
  log: (line: string) => void,
): Promise<void> {
  const spawned = (['ours', 'fixed'] as const).map((strategy) =>
    spawnWorker(strategy, address, sim.url, 1_000),
  );
  workers.push(...spawned.map((w) => w.process));
  await Promise.all(spawned.map((w) => w.ready));
  const plans: ShapePlan[] = [
    ...(options.shapes
      ? familyPlans(options.exports, options.seed, options.shapes === true ? undefined : options.shapes)
      : []),
    ...(options.random ? [randomPlan(options.random, options.seed)] : []),
  ];
  const figures = await runShapePlans(client, sim, plans, {
    timeScale: options.timeScale,
    ...(options.worst ? { worst: options.worst } : {}),
    log,
  });
  for (const worker of spawned) worker.process.kill('SIGTERM');
  await Promise.all(spawned.map((w) => w.usage));
  const json = `${JSON.stringify({ options, figures }, null, 2)}\n`;
  if (options.json === '-') process.stdout.write(json);
  else {
    console.log(renderShapeTable(figures));
    if (options.json) await writeFile(options.json, json);
  }
}

/**
 * The generated population, at a quarter of life's pace (its longest exports would otherwise take
 * 20 minutes), with the exports whose end the readings foretell and the rest also reported apart.
 */
function randomPlan(count: number, seed: number): ShapePlan {
  return {
    family: {
      name: 'random',
      description: 'generated curves of any shape, 30 s–20 min, 1 s / 60 s',
      timeScale: 1 / 4,
    },
    exports: generatedExports(count, seed),
    parts: [
      { name: 'ends foretold', includes: endForetold },
      { name: 'ends not foretold', includes: (scenario) => !endForetold(scenario) },
    ],
  };
}

function countKinds(kinds: CurveKind[]): string {
  const counts = new Map<CurveKind, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
}

function peakOverlap(intervals: ReadonlyArray<readonly [number, number]>): number {
  const edges = intervals.flatMap(([start, end]) => [
    [start, 1],
    [end, -1],
  ]) as Array<[number, number]>;
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    running += delta;
    peak = Math.max(peak, running);
  }
  return peak;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const s = (ms: number) => (ms / 1000).toFixed(1);

await main();
