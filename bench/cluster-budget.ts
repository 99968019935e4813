/**
 * `npm run bench:cluster-budget`: does one project's budget hold on the cluster the workers find?
 * Three worker processes share a task queue with `CLOUDDC_RATE_LIMIT=--quota`, and `--trackers`
 * eager trackers of one project poll as often as they may; the simulator (with no limit of its
 * own) counts what arrives. Run on a dev server with the documented dynamic config (fairness on,
 * one partition) and on a stock one (`temporal server start-dev` as it comes: fairness off, four
 * partitions), `--runs` times each; and on the documented config during a Worker Deployment ramp:
 * two workers of build A (current) and one of build B taking half of new trackers, so both
 * builds' queues hold the project's tasks at once. Prints the busiest second, whether the
 * workers warned, and how many trackers ran on build B.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { startTracking } from '../src/client/tracking.js';
import { ALL_SEARCH_ATTRIBUTES } from '../src/contract/index.js';
import { startDevServer } from '../src/dev/dev-server.js';
import { waitFor } from '../src/dev/wait-for.js';
import { CloudDCSimulator } from '../src/simulator/server.js';
import {
  type DeploymentPlace,
  describeDeployment,
  setRampingBuild,
} from '../src/worker-deployment/routing.js';
import { positive } from './cli-options.js';
import { bundleProductWorkflows, spawnProductWorker, stopWorkers, untilPolling } from './worker-process.js';

const TOKEN = 'bench-token';
const REGION = 'cn-east-3';
const PROJECT = 'bench-cluster-budget';

/** What `temporal server start-dev` runs with when given nothing: over what our dev servers set. */
const STOCK = [
  '--dynamic-config-value',
  'matching.enableFairness=false',
  '--dynamic-config-value',
  'matching.numTaskqueueReadPartitions=4',
  '--dynamic-config-value',
  'matching.numTaskqueueWritePartitions=4',
];

const options = new Command('bench:cluster-budget')
  .description("one project's busiest second under three workers, on the documented and a stock dev server")
  .option('--quota <n>', 'CLOUDDC_RATE_LIMIT of every worker', positive('--quota'), 5)
  .option('--trackers <n>', 'eager trackers of the one project', positive('--trackers'), 90)
  .option('--runs <n>', 'runs of each cluster', positive('--runs'), 2)
  .option('--clusters <list>', 'which of documented, ramp and stock', 'documented,ramp,stock')
  .parse()
  .opts<{ quota: number; trackers: number; runs: number; clusters: string }>();

Runtime.install({ logger: new DefaultLogger('ERROR') });
const dir = await mkdtemp(join(tmpdir(), 'bench-cluster-budget-'));
const bundlePath = await bundleProductWorkflows(dir);

console.log(
  `three workers, CLOUDDC_RATE_LIMIT=${options.quota}, ${options.trackers} eager trackers of one project`,
);
console.log(
  'cluster         run  busiest second  requests  wall (s)  warned of partitions  trackers on build B',
);
const ONE_BUILD = ['build-a', 'build-a', 'build-a'];
const RAMP = ['build-a', 'build-a', 'build-b'];
const CLUSTERS = {
  documented: [[], ONE_BUILD],
  ramp: [[], RAMP],
  stock: [STOCK, ONE_BUILD],
} as const;
for (const cluster of options.clusters.split(',') as Array<keyof typeof CLUSTERS>) {
  const [extraArgs, builds] = CLUSTERS[cluster];
  for (let run = 1; run <= options.runs; run++) {
    const figures = await measure([...extraArgs], [...builds]);
    console.log(
      `${cluster.padEnd(15)} ${String(run).padStart(3)}  ${String(figures.busiestSecond).padStart(14)}  ${String(figures.requests).padStart(8)}  ${figures.wallS.toFixed(1).padStart(8)}  ${(figures.warned ? 'yes' : 'no').padEnd(20)}  ${figures.onBuildB}`,
    );
  }
}
await rm(dir, { recursive: true, force: true });

/** Worker `i` is build `builds[i]`; with a second build, it ramps to half of new trackers before they start. */
async function measure(extraArgs: string[], builds: string[]) {
  const env = await startDevServer({
    extraArgs,
    searchAttributes: ALL_SEARCH_ATTRIBUTES,
    outputFile: join(dir, 'dev-server.log'),
  });
  const sim = await CloudDCSimulator.start({ tokens: [TOKEN] });
  const taskQueue = `bench-cluster-budget-${Date.now()}`;
  const deploymentName = `bench-${Date.now()}`;
  const place: DeploymentPlace = { service: env.client.workflowService, namespace: 'default' };
  const workers: { child: ChildProcess; output: string }[] = [];
  try {
    for (const [i, buildId] of builds.entries()) {
      const child = spawnProductWorker({
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        TEMPORAL_WORKFLOW_BUNDLE: bundlePath,
        CLOUDDC_REGION: REGION,
        CLOUDDC_ENDPOINT: sim.url,
        CLOUDDC_AUTH_TOKEN: TOKEN,
        CLOUDDC_RATE_LIMIT: String(options.quota),
        CLOUDDC_ARCHIVE_DIR: dir,
        TEMPORAL_DEPLOYMENT_NAME: deploymentName,
        TEMPORAL_WORKER_BUILD_ID: buildId,
      });
      const worker = { child, output: '' };
      const collect = (chunk: Buffer) => {
        worker.output += chunk.toString();
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      workers.push(worker);
      await untilPolling(child);
      // The first build must be current before the second joins, or either could be made so.
      if (i === 0)
        await waitFor(async () => (await describe(place, deploymentName))?.currentBuildId === buildId);
    }
    const second = builds.find((buildId) => buildId !== builds[0]);
    if (second) {
      await waitFor(async () =>
        (await describe(place, deploymentName))?.builds.some((b) => b.buildId === second),
      );
      await setRampingBuild(place, { deploymentName, buildId: second }, 50);
    }
    const exports = Array.from({ length: options.trackers }, (_, i) =>
      sim.createExport(PROJECT, `srv-${i}`, { durationMs: 500 + (i % 10) * 200 }),
    );
    const started = Date.now();
    const handles = await Promise.all(
      exports.map((e) =>
        startTracking(
          env.client,
          {
            projectId: PROJECT,
            serverId: e.serverId,
            exportId: e.exportId,
            policy: { minInterval: '1s', maxInterval: '2s' },
          },
          { taskQueue },
        ),
      ),
    );
    await Promise.all(handles.map((handle) => handle.result()));
    const buildsRun = await Promise.all(
      handles.map(async (handle) => {
        const described = await env.client.workflow.getHandle(handle.workflowId).describe();
        return described.raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId;
      }),
    );
    return {
      onBuildB: buildsRun.filter((buildId) => buildId === 'build-b').length,
      busiestSecond: sim.busiestSecondOf(PROJECT),
      requests: sim.requestsTo(`/v1/${PROJECT}/`).length,
      wallS: (Date.now() - started) / 1000,
      warned: workers.every((w) => w.output.includes('partitions: each keeps its own share')),
    };
  } finally {
    await stopWorkers(...workers.map(({ child }) => child));
    await sim.close();
    await env.teardown();
  }
}

async function describe(place: DeploymentPlace, deploymentName: string) {
  return (await describeDeployment(place, deploymentName).catch(() => undefined))?.view;
}
