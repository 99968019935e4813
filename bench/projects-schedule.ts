/**
 * `npm run bench:projects-schedule`: the nightly run of a team with a project per region. One
 * Schedule of `collectProjectsLogs` over `--projects` projects (each in a region of its own, with
 * `--servers` servers in all, listed from the API), triggered once, run by `--workers` worker
 * processes of the product (`CLOUDDC_RATE_LIMIT=--quota`) on the documented dev server, against a
 * simulator that enforces the quota per project (429 past it).
 *
 * Prints: the wall time, each project's summary against what the simulator served (servers,
 * archives, bytes, failures, and for an export request without a recorded answer its attempts'
 * timeline and whether the API started an export), every archive read back and checked, each
 * project's busiest second at the gateway and its 429s, its fleet's result size, the workers'
 * peak RSS, and the largest histories by workflow type.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { readFleetServers } from '../src/client/fleet-manifest.js';
import { createFleetSchedule, triggerSchedule } from '../src/client/schedules.js';
import {
  ALL_SEARCH_ATTRIBUTES,
  type CollectFleetLogsResult,
  type CollectProjectsLogsResult,
  collectServerLogsWorkflowId,
  FailureType,
  type FleetServerLine,
  WorkflowType,
} from '../src/contract/index.js';
import { activityDispatches } from '../src/dev/activity-starts.js';
import { startDevServer } from '../src/dev/dev-server.js';
import { projectRateLimitWorkflowId } from '../src/request-budget/contract.js';
import { secondsOver } from '../src/simulator/request-rate.js';
import { seeded } from '../src/simulator/seeded-random.js';
import { CloudDCSimulator } from '../src/simulator/server.js';
import { verifiedArchives } from './archive-check.js';
import { count, drawDurationMs, positive, withExportDurations } from './cli-options.js';
import { keeperTimeline, widenedRoom } from './histories.js';
import {
  bundleProductWorkflows,
  gatewayFirst,
  residentMb,
  spawnProductWorker,
  stopWorkers,
  superviseWorkers,
  untilPolling,
} from './worker-process.js';

const TOKEN = 'bench-token';
const REGIONS = ['cn-north-4', 'cn-east-3', 'cn-south-1', 'ap-southeast-1', 'af-south-1', 'la-south-2'];
const SCHEDULE_ID = 'nightly-all-regions';
const ARCHIVE_BYTES = 16 * 1024;
/** A nightly run's: nobody waits on it, so its polls are spaced more than an incident's. */
const POLICY = { minInterval: '5s', maxInterval: '30s' } as const;
const PROGRESS_EVERY_MS = 5 * 60_000;

const options = withExportDurations(new Command('bench:projects-schedule'), { minS: 10, maxS: 40 })
  .description("one schedule-started collection of several projects' fleets, each against its own budget")
  .option('--projects <n>', 'projects, one per region', positive('--projects'), 4)
  .option('--servers <n>', 'servers in all projects', positive('--servers'), 20_000)
  .option('--quota <n>', 'requests a second the gateway allows each project', positive('--quota'), 20)
  .option('--workers <n>', 'worker processes', positive('--workers'), 3)
  .option('--concurrency <n>', "each project's collections at a time", positive('--concurrency'), 300)
  .option('--seed <n>', "seed of the exports' durations", positive('--seed'), 1)
  .option(
    '--max-restarts <n>',
    'workers that exit mid-run replaced, as a supervisor would, before the run is given up',
    count('--max-restarts'),
    3,
  )
  .parse()
  .opts<{
    projects: number;
    servers: number;
    quota: number;
    workers: number;
    concurrency: number;
    seed: number;
    maxRestarts: number;
    minDuration: number;
    maxDuration: number;
  }>();
if (options.projects > REGIONS.length) throw new Error(`--projects: at most ${REGIONS.length}`);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const dir = await mkdtemp(join(tmpdir(), 'bench-projects-schedule-'));
const random = seeded(options.seed);
const projects = REGIONS.slice(0, options.projects).map((region, p) => ({
  projectId: `bench-${region}`,
  region,
  servers: Math.floor(options.servers / options.projects) + (p < options.servers % options.projects ? 1 : 0),
}));

const env = await startDevServer({
  searchAttributes: ALL_SEARCH_ATTRIBUTES,
  outputFile: join(dir, 'dev-server.log'),
});
const sim = await CloudDCSimulator.start({
  tokens: [TOKEN],
  rateLimitPerProject: options.quota,
  requestLogLimit: 1_000,
});
for (const project of projects)
  for (let i = 0; i < project.servers; i++) {
    sim.addServer(project.projectId, `srv-${String(i).padStart(5, '0')}`, {
      exportScenario: { durationMs: drawDurationMs(random, options), archiveBytes: ARCHIVE_BYTES },
    });
  }
console.log(
  `${options.servers} servers in ${options.projects} projects (${projects.map((p) => `${p.projectId} ${p.servers}`).join(', ')}), ` +
    `quota ${options.quota}/s each, ${options.workers} workers, ${options.concurrency} collections a project at a time, ` +
    `exports of ${options.minDuration} to ${options.maxDuration} s (seed ${options.seed})`,
);

const workers: ChildProcess[] = [];
const peakRssMb: number[] = [];
const sampler = setInterval(async () => {
  for (const [i, worker] of workers.entries())
    peakRssMb[i] = Math.max(peakRssMb[i] ?? 0, await residentMb(worker));
}, 2_000);
try {
  const bundlePath = await bundleProductWorkflows(dir);
  const spawnWorker = () =>
    spawnProductWorker({
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_WORKFLOW_BUNDLE: bundlePath,
      CLOUDDC_REGION: projects[0]?.region ?? 'cn-north-4',
      CLOUDDC_REGIONS: projects.map((p) => p.region).join(','),
      CLOUDDC_ENDPOINT: sim.url,
      CLOUDDC_AUTH_TOKEN: TOKEN,
      CLOUDDC_RATE_LIMIT: String(options.quota),
      CLOUDDC_ARCHIVE_DIR: join(dir, 'archives'),
    });
  for (let i = 0; i < options.workers; i++) {
    const worker = spawnWorker();
    workers.push(worker);
    await untilPolling(worker);
  }
  await createFleetSchedule(env.client, {
    scheduleId: SCHEDULE_ID,
    cron: ['0 2 * * *'],
    input: {
      projects: projects.map(({ projectId, region }) => ({
        projectId,
        region,
        concurrency: options.concurrency,
      })),
      policy: POLICY,
    },
  });
  gatewayFirst(-10);
  const started = Date.now();
  await triggerSchedule(env.client, SCHEDULE_ID);
  const runId = await scheduledRun();
  const supervisor = superviseWorkers(workers, spawnWorker, options.maxRestarts);
  const progress = setInterval(() => void printProgress(started), PROGRESS_EVERY_MS);
  const result = (await Promise.race([
    env.client.workflow.getHandle(runId).result(),
    supervisor.lost,
  ]).finally(() => clearInterval(progress))) as CollectProjectsLogsResult;
  const wallS = (Date.now() - started) / 1000;
  console.log(`run ${runId}: ${wallS.toFixed(0)} s`);

  let allRight = true;
  let withinQuota = true;
  for (const project of projects) {
    const summary = result.projects.find((p) => p.projectId === project.projectId);
    const fleet = summary
      ? ((await env.client.workflow.getHandle(summary.fleetWorkflowId).result()) as CollectFleetLogsResult)
      : undefined;
    const lines = fleet ? await readFleetServers(fleet) : [];
    const expectedBytes = await servedBytes(project.projectId, lines);
    const verified = await verifiedArchives(sim, project.projectId, lines);
    const right =
      summary !== undefined &&
      fleet !== undefined &&
      summary.region === project.region &&
      summary.servers === project.servers &&
      summary.succeeded === project.servers &&
      summary.failed === 0 &&
      Object.keys(summary.failuresByType).length === 0 &&
      summary.bytes === expectedBytes &&
      lines.length === project.servers &&
      verified === project.servers;
    allRight &&= right;
    const calls = sim.projectTally(project.projectId);
    const busiest = sim.busiestSecondOf(project.projectId);
    withinQuota &&= busiest <= options.quota;
    console.log(
      `${project.projectId.padEnd(20)} summary ${right ? 'right' : 'WRONG'}: servers ${summary?.servers}, ` +
        `archives ${summary?.succeeded} (${verified} verified), ${summary?.bytes} bytes (served ${expectedBytes}), ` +
        `failed ${summary?.failed}; calls ${calls.requests}, 429s ${calls.throttled}; ` +
        `busiest second ${busiest} (quota ${options.quota}); fleet result ${JSON.stringify(fleet ?? {}).length} bytes, ` +
        `${fleet?.manifests.length ?? 0} manifests`,
    );
    const timeline = await keeperTimeline(env.client, projectRateLimitWorkflowId(project.projectId));
    const end = started + wallS * 1000;
    const room = widenedRoom(timeline, started, end);
    const over = secondsOver(sim.arrivalsOf(project.projectId), options.quota);
    console.log(
      `${''.padEnd(20)} ${over.length} seconds over the quota at the gateway${
        over.length
          ? ` (${over
              .map((o) => `${o.count} at ${((o.at - started) / 1000).toFixed(0)} s`)
              .slice(0, 8)
              .join(', ')})`
          : ''
      }; ` +
        `${timeline.lagsMs.length} lags reported; the room for arrivals widened for ${room.seconds.toFixed(0)} s (the widest ${room.widestMs.toFixed(0)} ms)`,
    );
    for (const failure of fleet?.failures.slice(0, 5) ?? []) {
      console.log(`  failed ${failure.serverId}: ${failure.type}: ${failure.message}`);
      if (failure.type === FailureType.LogExportRequestUncertain)
        console.log(`    ${await uncertainRequest(project.projectId, failure.serverId)}`);
    }
  }
  const sumOf = (key: 'servers' | 'succeeded' | 'failed' | 'bytes') =>
    result.projects.reduce((sum, p) => sum + p[key], 0);
  const overallRight =
    result.overall.projects === projects.length &&
    result.overall.projectsFailed === 0 &&
    (['servers', 'succeeded', 'failed', 'bytes'] as const).every((key) => result.overall[key] === sumOf(key));
  console.log(
    `overall summary ${overallRight ? 'right' : 'WRONG'}: ${result.overall.projects} projects, ${result.overall.servers} servers, ` +
      `${result.overall.succeeded} archives, ${result.overall.bytes} bytes, ${result.overall.failed} failed`,
  );
  console.log(
    `worker peak RSS: ${peakRssMb.map((mb) => `${mb.toFixed(0)} MB`).join(', ')}; ${supervisor.restarts()} restarted mid-run`,
  );
  console.log(`largest histories: ${await largestHistories()}`);
  console.log(
    allRight && overallRight && withinQuota
      ? 'PASSED'
      : `FAILED:${allRight && overallRight ? '' : ' a summary or an archive is wrong;'}${withinQuota ? '' : ' a project went over its quota in a second at the gateway'}`,
  );
} finally {
  gatewayFirst(0);
  clearInterval(sampler);
  await stopWorkers(...workers);
  await sim.close();
  await env.teardown();
  await rm(dir, { recursive: true, force: true });
}

/**
 * How far a run of an hour or more has come, and the workers' memory as it goes: a worker that
 * grows until it dies shows here long before the end.
 */
async function printProgress(started: number): Promise<void> {
  const { count } = await env.client.workflow
    .count(`WorkflowType = '${WorkflowType.CollectServerLogs}' AND ExecutionStatus != 'Running'`)
    .catch(() => ({ count: Number.NaN }));
  const rss = await Promise.all(workers.map((w) => residentMb(w)));
  console.log(
    `${((Date.now() - started) / 60_000).toFixed(0)} min: ${count} collections ended; ` +
      `worker RSS ${rss.map((mb) => `${mb.toFixed(0)} MB`).join(', ')}`,
  );
}

/** The workflow the schedule's trigger started. */
async function scheduledRun(): Promise<string> {
  const schedule = env.client.schedule.getHandle(SCHEDULE_ID);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const run = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId;
    if (run) return run;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`schedule ${SCHEDULE_ID} started no run within 30 s`);
}

/**
 * Where an export request without a recorded answer lost its time: each attempt's scheduling, its
 * handing to a worker and its end, as the collection's history has them, and whether the API
 * started an export for the server (seconds from the first scheduling).
 */
async function uncertainRequest(projectId: string, serverId: string): Promise<string> {
  const attempts = await activityDispatches(
    env.client,
    collectServerLogsWorkflowId({ projectId, serverId }),
    new Set(['requestExport']),
  );
  const from = attempts[0]?.scheduledAt ?? 0;
  const s = (at: number | undefined) => (at === undefined ? '-' : `${((at - from) / 1000).toFixed(1)} s`);
  const accepted = sim.exportsOf(projectId, serverId).map((e) => s(e.createdAt));
  return (
    `requestExport attempts (scheduled / handed out / ended): ${attempts
      .map((a) => `${s(a.scheduledAt)} / ${s(a.startedAt)} / ${s(a.ended?.at)} ${a.ended?.as ?? 'open'}`)
      .join('; ')}; ` +
    `the API ${accepted.length ? `started an export at ${accepted.join(', ')}` : 'started no export'}`
  );
}

/** The bytes the simulator served for a fleet's archives, which its summary must add up to. */
async function servedBytes(projectId: string, lines: readonly FleetServerLine[]): Promise<number> {
  let bytes = 0;
  for (const line of lines) {
    if (line.status !== 'collected') continue;
    const record = sim.getExport(projectId, line.serverId, line.exportId);
    if (record) bytes += (await sim.archiveDigest(record)).bytes;
  }
  return bytes;
}

/** Per workflow type, the most events and bytes of any of its runs' histories. */
async function largestHistories(): Promise<string> {
  const largest = new Map<string, { events: number; bytes: number; workflowId: string }>();
  for await (const listed of env.client.workflow.list()) {
    // Visibility gives the length of closed runs; a running one (a keeper) is asked.
    const run =
      listed.status.name === 'RUNNING'
        ? await env.client.workflow.getHandle(listed.workflowId, listed.runId).describe()
        : listed;
    const best = largest.get(run.type);
    if (!best || run.historyLength > best.events)
      largest.set(run.type, {
        events: run.historyLength,
        bytes: run.historySize ?? 0,
        workflowId: run.workflowId,
      });
  }
  const order = Object.values(WorkflowType) as string[];
  return [...largest.entries()]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([type, h]) => `${type} ${h.events} events / ${(h.bytes / 1024).toFixed(0)} KiB`)
    .join('; ');
}
