import type { Client } from '@temporalio/client';
import type { RunningTemporalCluster } from '../../src/dev/temporal-cluster.js';
import type { CloudDCSimulator } from '../../src/simulator/server.js';
import type { WorkerProcess } from './workers.js';

/** Tracking as eager as the API allows: the checks finish sooner, and a project's budget binds. */
export const POLICY = { minInterval: '200ms', maxInterval: '1s' } as const;

/** Far beyond a lost activity task's first schedule-to-start timeout (10 s at this policy). */
export const RESULTS_TIMEOUT_MS = 3 * 60_000;

export interface ServerRef {
  projectId: string;
  serverId: string;
}

/** What every check is given: the cluster, our workers and the simulator they call. */
export interface RunContext {
  client: Client;
  sim: CloudDCSimulator;
  cluster: RunningTemporalCluster;
  /** Our workers that are running, in the order they started. */
  workers: WorkerProcess[];
  /** Starts one more worker as the others were started, over `env`, and resolves once it polls. */
  startWorker(name: string, env?: Record<string, string>): Promise<WorkerProcess>;
  /** CLOUDDC_RATE_LIMIT of every worker: each project's quota, in requests a second. */
  quota: number;
  /** Every server an export was made of, which the last check counts exports against. */
  servers: ServerRef[];
  /** The run's own directory, removed after a clean run. */
  workDir: string;
}

/** One check of the run: its figure's label, and what it does; it throws to fail the run. */
export interface Check {
  label: string;
  run(ctx: RunContext): Promise<void>;
}
