import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { staticTokenAuth } from './activities/auth.js';
import { createCloudDCClient } from './activities/clouddc-client.js';
import { regionEndpoints } from './activities/endpoint.js';
import { type ActivityDependencies, createActivities } from './activities/index.js';
import type { WorkerConfig } from './config.js';

/** The workflows' entry point, as TypeScript source under tsx or compiled JavaScript. */
export const workflowsPath = fileURLToPath(
  new URL(`./workflows/index${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/** Wires the real CloudDC client from the worker's configuration into the activities. */
export function activityDependenciesFrom(cloudDC: WorkerConfig['cloudDC']): ActivityDependencies {
  return {
    cloudDC: createCloudDCClient({
      auth: staticTokenAuth(cloudDC.authToken),
      timeoutMs: cloudDC.requestTimeoutMs,
    }),
    endpointFor: regionEndpoints(cloudDC.region, cloudDC.endpoint),
  };
}

export interface TrackerWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** A prebuilt bundle (tests build one for all files); otherwise the workflows are bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function createTrackerWorker(options: TrackerWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.dependencies),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    // Lets a poll in flight finish on shutdown instead of being cancelled mid-request.
    shutdownGraceTime: '10s',
  });
}
