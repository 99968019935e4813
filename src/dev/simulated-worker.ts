import type { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../client/tracing.js';
import type { ProjectPacing } from '../request-budget/project-pacing.js';
import { activityDependenciesFrom, createTrackerWorker } from '../worker/tracker-worker.js';

export interface SimulatedWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** The simulator's base URL, and a static token it accepts. */
  simulatorUrl: string;
  token: string;
  archiveDir: string;
  /** CLOUDDC_RATE_LIMIT, and who holds it (the task queue, by default). */
  rateLimitPerSecond: number;
  pacing?: ProjectPacing;
  requestTimeoutMs?: number;
  region?: string;
  /** The tracer provider spans go to; none by default. */
  tracing?: Tracing;
  /** Workflows bundled beforehand (a bench's variant of them); otherwise bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * A tracker worker in this process, wired as `npm run worker` wires one but against the CloudDC
 * simulator with a static token, archives in a directory: what the demo, the benches and the
 * scripts run (the tests' harness has its own, with more knobs).
 */
export function createSimulatedWorker(options: SimulatedWorkerOptions): Promise<Worker> {
  const region = options.region ?? 'cn-east-3';
  return createTrackerWorker({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    dependencies: {
      ...activityDependenciesFrom(
        {
          cloudDC: {
            region,
            regions: [region],
            endpointTemplate: options.simulatorUrl,
            requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
            rateLimitPerSecond: options.rateLimitPerSecond,
            auth: { scheme: 'token', token: options.token },
          },
          archives: { kind: 'directory', directory: options.archiveDir },
        },
        { pacing: options.pacing ?? 'temporal' },
      ),
      searchIndex: true,
    },
    ...(options.tracing ? { tracing: options.tracing } : {}),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
  });
}
