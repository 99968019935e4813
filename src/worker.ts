import { NativeConnection } from '@temporalio/worker';
import { ConfigError, describeAuth, loadWorkerConfig, SECRET_VARIABLES } from './config.js';
import { missingSearchAttributes, missingSearchAttributesWarning } from './search-attributes-check.js';
import { connectionSecurity } from './temporal-connection.js';
import { activityDependenciesFrom, createTrackerWorker } from './tracker-worker.js';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  // Read once into memory; nothing started later (a child process, a crash dump) inherits them.
  for (const name of SECRET_VARIABLES) delete process.env[name];
  const { address, namespace, taskQueue, security } = config.temporal;
  const missing = await missingSearchAttributes(address, namespace, security);
  if (missing.length > 0) console.warn(missingSearchAttributesWarning(namespace, missing));
  const connection = await NativeConnection.connect({ address, ...(await connectionSecurity(security)) });
  try {
    const worker = await createTrackerWorker({
      connection,
      namespace,
      taskQueue,
      ...(config.temporal.taskQueueActivitiesPerSecond
        ? { taskQueueActivitiesPerSecond: config.temporal.taskQueueActivitiesPerSecond }
        : {}),
      dependencies: { ...activityDependenciesFrom(config), searchIndex: missing.length === 0 },
    });
    console.log(
      `Worker polling ${config.temporal.taskQueue} on ${config.temporal.address} (namespace ${config.temporal.namespace}` +
        `${security.tls ? `, TLS${security.certPath ? ' with a client certificate' : ''}${security.apiKey ? ' and an API key' : ''}` : ''}); ` +
        `CloudDC regions ${config.cloudDC.regions.join(', ')} (default ${config.cloudDC.region}) at ${config.cloudDC.endpointTemplate}; ` +
        `credentials: ${describeAuth(config.cloudDC.auth)}; at most ${config.cloudDC.rateLimitPerSecond} requests/s per project` +
        (config.temporal.taskQueueActivitiesPerSecond
          ? `, ${config.temporal.taskQueueActivitiesPerSecond} activities/s on the task queue`
          : ''),
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
