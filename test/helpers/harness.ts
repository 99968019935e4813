import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type LogEntry, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { ArchiveStoreConfig } from '../../src/activities/archive/archive-sink-from.js';
import type { ArchiveSink } from '../../src/activities/archive/sink.js';
import type { ActivityDependencies } from '../../src/activities/index.js';
import type { BackoffSettings } from '../../src/activities/retry-delay.js';
import { startTracking, type TrackerHandle } from '../../src/client/tracking.js';
import { ALL_SEARCH_ATTRIBUTES, type TrackLogExportInput } from '../../src/contract/index.js';
import { startDevServer } from '../../src/dev/dev-server.js';
import type { ProjectPacing } from '../../src/request-budget/project-pacing.js';
import { SendGates } from '../../src/request-budget/send-gates.js';
import { ShareMember } from '../../src/request-budget/share-member.js';
import { applyDefaultQuota } from '../../src/request-budget/task-queue-config.js';
import { CloudDCSimulator, type SimulatorOptions } from '../../src/simulator/server.js';
import type { AuthConfig } from '../../src/worker/config.js';
import { activityDependenciesFrom, createTrackerWorker } from '../../src/worker/tracker-worker.js';
import type { DeploymentVersion } from '../../src/worker-deployment/contract.js';
import { testLogFile, workerLogs } from './test-logs.js';

export { waitFor } from '../../src/dev/wait-for.js';

export const TEST_TOKEN = 'test-token-5f1c0e';
export const TEST_REGION = 'cn-east-3';

/** Short enough for tests, with the same shape as production backoff. */
export const FAST_BACKOFF: BackoffSettings = { transientBaseMs: 50, throttledBaseMs: 200, maxMs: 2_000 };

const UNLIMITED = 10_000;

/** A policy that makes exports of a few seconds take a handful of polls. */
export const FAST_POLICY = { minInterval: '100ms', maxInterval: '400ms' } as const;

export interface HarnessOptions {
  devServerArgs?: string[];
  simulator?: SimulatorOptions;
  requestTimeoutMs?: number;
  /**
   * Requests per second per project (CLOUDDC_RATE_LIMIT), set on the task queue as the worker
   * does at start-up; by default none, so nothing is paced.
   */
  rateLimit?: number;
  /** Who paces each project: the task queue (default), or the worker's own fallback limiter. */
  pacing?: ProjectPacing;
  backoff?: BackoffSettings;
  /** Credentials of the worker; a static token the simulator accepts by default. */
  auth?: AuthConfig;
  /** Regions the worker serves besides TEST_REGION, all sent to the simulator. */
  regions?: string[];
  /** Register our search attributes on the dev server (default true), as `npm start` does. */
  searchAttributes?: boolean;
  /** Serve the Web UI too (on the frontend port + 1000). */
  ui?: boolean;
  /** Where the worker stores archives; by default a fresh directory (`archiveDir`). */
  archives?: ArchiveStoreConfig;
  /** Wraps the worker's archive sink, say to refuse some keys as a store's access policy would. */
  wrapArchives?: (sink: ArchiveSink) => ArchiveSink;
  /** The Worker Deployment build the worker is; unversioned by default. */
  deployment?: DeploymentVersion;
  /**
   * Tell keepers when the test process's event loop lags, as a worker does (off by default: a
   * loaded test runner would otherwise lower the pace the other tests expect).
   */
  lagReports?: boolean;
  /** Activities the worker runs at once (the SDK's default otherwise). */
  maxConcurrentActivities?: number;
}

export interface Harness {
  env: TestWorkflowEnvironment;
  sim: CloudDCSimulator;
  worker: Worker;
  taskQueue: string;
  /** What the worker's activities were built from, for tests that run activities elsewhere. */
  dependencies: ActivityDependencies;
  /** The worker's archive directory (unused when `archives` names an object store), removed on close. */
  archiveDir: string;
  /** Everything the worker logged (DEBUG and above). */
  logs: LogEntry[];
  /** Workflow IDs started through `track`, for checks over every history of a file. */
  started: string[];
  track(input: TrackLogExportInput): Promise<TrackerHandle>;
  /** Stops everything; fails if anything in this process rejected without a handler. */
  close(): Promise<void>;
}

const unhandledRejections: unknown[] = [];
let watchingRejections = false;

function watchRejections(): void {
  if (watchingRejections) return;
  watchingRejections = true;
  process.on('unhandledRejection', (reason) => unhandledRejections.push(reason));
}

/** A real dev server, the simulator on loopback, and a worker on a task queue of its own. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  watchRejections();
  const indexed = options.searchAttributes ?? true;
  const env = await startDevServer({
    outputFile: testLogFile(),
    ...(options.devServerArgs ? { extraArgs: options.devServerArgs } : {}),
    ...(indexed ? { searchAttributes: ALL_SEARCH_ATTRIBUTES } : {}),
    ...(options.ui ? { ui: true } : {}),
  });
  const sim = await CloudDCSimulator.start({ tokens: [TEST_TOKEN], ...options.simulator });
  const taskQueue = `test-${randomUUID()}`;
  if (options.rateLimit !== undefined && (options.pacing ?? 'temporal') === 'temporal') {
    await applyDefaultQuota(
      { service: env.client.workflowService, namespace: 'default', taskQueue },
      options.rateLimit,
    );
  }
  const archiveDir = await mkdtemp(join(tmpdir(), 'clouddc-archives-'));
  // A limit paced by Temporal is kept at the gateway by this worker's send gates, as the
  // worker process keeps it: its share is the whole quota, as the only member.
  const member =
    options.rateLimit !== undefined && (options.pacing ?? 'temporal') === 'temporal'
      ? new ShareMember(env.client, taskQueue, `harness-${taskQueue}`, (message) =>
          Runtime.instance().logger.warn(message),
        )
      : undefined;
  const rateLimit = options.rateLimit;
  const { reportLag, ...wired } = activityDependenciesFrom(
    {
      cloudDC: {
        region: TEST_REGION,
        regions: [TEST_REGION, ...(options.regions ?? [])],
        endpointTemplate: sim.url,
        requestTimeoutMs: options.requestTimeoutMs ?? 2_000,
        rateLimitPerSecond: options.rateLimit ?? UNLIMITED,
        auth: options.auth ?? { scheme: 'token', token: TEST_TOKEN },
      },
      archives: options.archives ?? { kind: 'directory', directory: archiveDir },
    },
    {
      pacing: options.pacing ?? 'temporal',
      sendGates:
        member && rateLimit !== undefined
          ? new SendGates((projectId) => member.placesFor(projectId, rateLimit))
          : undefined,
    },
  );
  const dependencies: ActivityDependencies = {
    ...wired,
    ...(options.wrapArchives ? { archives: options.wrapArchives(wired.archives) } : {}),
    ...(options.lagReports && reportLag ? { reportLag } : {}),
    backoff: options.backoff ?? FAST_BACKOFF,
    searchIndex: indexed,
  };
  const worker = await createTrackerWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    dependencies,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    ...(options.deployment ? { deployment: options.deployment } : {}),
    ...(options.maxConcurrentActivities ? { maxConcurrentActivities: options.maxConcurrentActivities } : {}),
  });
  const running = worker.run();
  member?.start();
  const started: string[] = [];
  return {
    env,
    sim,
    worker,
    taskQueue,
    dependencies,
    archiveDir,
    logs: workerLogs,
    started,
    async track(input) {
      const handle = await startTracking(env.client, input, { taskQueue });
      started.push(handle.workflowId);
      return handle;
    },
    async close() {
      // A test may have stopped it already (a build retired mid-test).
      // Before the worker that runs its registry goes, and the connection with it.
      await member?.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await sim.close();
      await env.teardown();
      await rm(archiveDir, { recursive: true, force: true });
      if (unhandledRejections.length > 0) {
        const reasons = unhandledRejections.splice(0).map(String);
        throw new Error(`Unhandled rejections during the tests: ${reasons.join('; ')}`);
      }
    },
  };
}
