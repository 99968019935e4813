import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { archiveSinkFrom } from '../activities/archive/archive-sink-from.js';
import { akskAuth } from '../activities/auth/aksk-auth.js';
import { iamTokenAuth } from '../activities/auth/iam-token-auth.js';
import type { CloudDCAuth } from '../activities/auth/index.js';
import { staticTokenAuth } from '../activities/auth/static-token.js';
import { createCloudDCClient } from '../activities/clouddc/client.js';
import { regionTargets } from '../activities/endpoint.js';
import { type ActivityDependencies, createActivities } from '../activities/index.js';
import type { ApiMetrics } from '../activities/metrics.js';
import type { Tracing } from '../client/tracing.js';
import { dispatchRateForQuota } from '../contract/index.js';
import { clouddcLogsHandler } from '../nexus/clouddc-logs-handler.js';
import { lagReporter } from '../request-budget/lag-report.js';
import type { ProjectPacing } from '../request-budget/project-pacing.js';
import type { SendGates } from '../request-budget/send-gates.js';
import { reportThrottleToKeeper } from '../request-budget/throttle-report-activity.js';
import { ProjectRateLimiter } from '../request-budget/worker-limiter.js';
import type { DeploymentVersion } from '../worker-deployment/contract.js';
import { type AuthConfig, endpointFor, type WorkerConfig } from './config.js';
import { tracingWorkerOptions, workflowInterceptorModules } from './tracing.js';

/** The workflows' entry point, as TypeScript source under tsx or compiled JavaScript. */
export const workflowsPath = fileURLToPath(
  new URL(`../workflows/index${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/** The file `npm run build` puts the workflow bundle in, at the top of dist/. */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

/** The bundle `npm run build` made, if this is the compiled worker; otherwise the workflows are bundled at start. */
export function builtWorkflowBundle(): WorkerOptions['workflowBundle'] | undefined {
  const codePath = fileURLToPath(new URL(`../${WORKFLOW_BUNDLE_FILE}`, import.meta.url));
  return existsSync(codePath) ? { codePath } : undefined;
}

/** The scheme the configuration names, holding its secrets in memory only. */
export function authFrom(auth: AuthConfig, requestTimeoutMs: number): CloudDCAuth {
  switch (auth.scheme) {
    case 'token':
      return staticTokenAuth(auth.token);
    case 'aksk':
      return akskAuth(auth);
    case 'iam':
      return iamTokenAuth({
        credentials: auth,
        iamEndpointFor: (region) => endpointFor(auth.endpointTemplate, region),
        timeoutMs: requestTimeoutMs,
      });
  }
}

/**
 * Wires the real CloudDC client and archive sink from the worker's configuration into the
 * activities. `pacing` says who keeps each project's request budget: Temporal (the task queue's
 * per-key limits, lowered by the budget keepers that 429s are reported to) or, where the server
 * cannot, an in-process limiter. `metrics` (the worker's Prometheus meter) counts their traffic.
 */
export function activityDependenciesFrom(
  { cloudDC, archives }: Pick<WorkerConfig, 'cloudDC' | 'archives'>,
  {
    pacing,
    metrics,
    sendGates,
  }: { pacing: ProjectPacing; metrics?: ApiMetrics; sendGates?: SendGates | undefined },
): ActivityDependencies {
  const localRateLimiter =
    pacing === 'worker'
      ? new ProjectRateLimiter({ perSecond: dispatchRateForQuota(cloudDC.rateLimitPerSecond) })
      : undefined;
  return {
    archives: archiveSinkFrom(archives),
    cloudDC: createCloudDCClient({
      auth: authFrom(cloudDC.auth, cloudDC.requestTimeoutMs),
      timeoutMs: cloudDC.requestTimeoutMs,
      ...(localRateLimiter ? { rateLimiter: localRateLimiter } : {}),
      ...(sendGates && !localRateLimiter ? { sendGates } : {}),
      ...(metrics ? { metrics } : {}),
    }),
    ...(localRateLimiter
      ? { localRateLimiter }
      : {
          reportThrottle: reportThrottleToKeeper,
          reportLag: lagReporter(),
        }),
    ...(metrics ? { metrics } : {}),
    targetFor: regionTargets(cloudDC.region, cloudDC.regions, (region) =>
      endpointFor(cloudDC.endpointTemplate, region),
    ),
  };
}

/**
 * How long one workflow activation may run before the SDK takes it for a deadlock: its
 * `isolateExecutionTimeout`, 5 s by default and left out of `WorkerOptions`' type on purpose
 * (temporalio/sdk-typescript#249), yet read from the options given. The SDK enforces it with
 * Node's `vm` timeout, and on Node 20 a `vm` timeout that fires in a context with
 * `microtaskMode: 'afterEvaluate'` corrupts the thread's async-hook stack and kills the process
 * (nodejs/node#38503, temporalio/sdk-typescript#939). On a starved machine an ordinary activation
 * can take past 5 s (5.03 s, then the worker's death, in `docs/benchmarks.md`): each such death
 * lost the export requests the worker had in flight. A real deadlock still ends the worker, a
 * minute later instead of 5 s.
 */
export const ACTIVATION_DEADLOCK_TIMEOUT_MS = 60_000;
const activationDeadlockTimeout = { isolateExecutionTimeout: ACTIVATION_DEADLOCK_TIMEOUT_MS };

export interface TrackerWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** Server-side cap on activities per second for the whole task queue, across all workers. */
  taskQueueActivitiesPerSecond?: number;
  /** Trackers kept in memory (the SDK's default depends on the machine's memory). */
  maxCachedWorkflows?: number;
  /** Activities run at once (the SDK's default otherwise): fewer starve a project's key, as a test shows. */
  maxConcurrentActivities?: number;
  /** A prebuilt bundle (tests build one for all files); otherwise the workflows are bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The Worker Deployment build this worker is; without one it is unversioned. */
  deployment?: DeploymentVersion;
  /** The tracer provider spans go to; none while tracing is off. */
  tracing?: Tracing;
}

export async function createTrackerWorker(options: TrackerWorkerOptions): Promise<Worker> {
  const { interceptors, sinks } = await tracingWorkerOptions(options.tracing);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.dependencies),
    nexusServices: [clouddcLogsHandler],
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    interceptors: {
      ...interceptors,
      // A prebuilt bundle has them already (and the SDK warns when they are named again).
      ...(options.workflowBundle ? {} : { workflowModules: workflowInterceptorModules }),
    },
    sinks,
    ...(options.taskQueueActivitiesPerSecond
      ? { maxTaskQueueActivitiesPerSecond: options.taskQueueActivitiesPerSecond }
      : {}),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...(options.maxConcurrentActivities !== undefined
      ? { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities }
      : {}),
    ...(options.deployment
      ? {
          workerDeploymentOptions: {
            useWorkerVersioning: true,
            version: options.deployment,
            // Trackers and collections finish on the build that started them, whatever it is
            // replaced by; the two long-lived workflows move on when they continue as new.
            defaultVersioningBehavior: 'PINNED',
          },
        }
      : {}),
    // Lets a poll in flight finish on shutdown instead of being cancelled mid-request.
    shutdownGraceTime: '10s',
    ...activationDeadlockTimeout,
  });
}
