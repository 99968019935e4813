import { NativeConnection } from '@temporalio/worker';
import { ConfigError, describeAuth, loadWorkerConfig, SECRET_VARIABLES } from './config.js';
import { activityDependenciesFrom, createTrackerWorker } from './tracker-worker.js';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  // Read once into memory; nothing started later (a child process, a crash dump) inherits them.
  for (const name of SECRET_VARIABLES) delete process.env[name];
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const worker = await createTrackerWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      dependencies: activityDependenciesFrom(config),
    });
    console.log(
      `Worker polling ${config.temporal.taskQueue} on ${config.temporal.address} (namespace ${config.temporal.namespace}); ` +
        `CloudDC regions ${config.cloudDC.regions.join(', ')} (default ${config.cloudDC.region}) at ${config.cloudDC.endpointTemplate}; ` +
        `credentials: ${describeAuth(config.cloudDC.auth)}`,
    );
    // The SDK shuts the worker down gracefully on SIGINT and SIGTERM; run() resolves once it has.
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
