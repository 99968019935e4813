import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { meterApiMetrics } from './activities/metrics.js';
import { connectionSecurity } from './client/temporal-connection.js';
import { describeTracing, startTracing } from './client/tracing.js';
import { clouddcLogsService } from './contract/index.js';
import { setUpProjectPacing } from './request-budget/project-pacing.js';
import { SendGates } from './request-budget/send-gates.js';
import { ShareMember } from './request-budget/share-member.js';
import { ConfigError, describeAuth, loadWorkerConfig, SECRET_VARIABLES } from './worker/config.js';
import { missingSearchAttributes, missingSearchAttributesWarning } from './worker/search-attributes-check.js';
import { installTelemetry } from './worker/telemetry.js';
import {
  activityDependenciesFrom,
  builtWorkflowBundle,
  createTrackerWorker,
} from './worker/tracker-worker.js';
import { joinDeployment } from './worker-deployment/join.js';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const { tracing: tracingSettings } = config.telemetry;
  // Before the secrets go: the exporter reads its headers from the environment once, now.
  const tracing = tracingSettings
    ? await startTracing(tracingSettings, 'clouddc-log-export-worker')
    : undefined;
  // Read once into memory; nothing started later (a child process, a crash dump) inherits them.
  for (const name of SECRET_VARIABLES) delete process.env[name];
  const runtime = installTelemetry(config.telemetry);
  const log = runtime.logger;
  tracing?.reportProblemsTo((message) => log.warn(message));
  const {
    address,
    namespace,
    taskQueue,
    security,
    taskQueueActivitiesPerSecond,
    maxCachedWorkflows,
    deployment,
  } = config.temporal;
  const missing = await missingSearchAttributes(address, namespace, security);
  if (missing.length > 0) log.warn(missingSearchAttributesWarning(namespace, missing));
  const connection = await NativeConnection.connect({ address, ...(await connectionSecurity(security)) });
  try {
    const pacing = await setUpProjectPacing(
      { service: connection.workflowService, namespace, taskQueue },
      config.cloudDC.rateLimitPerSecond,
      (message) => log.warn(message),
    );
    // Where Temporal paces, each request also holds a place in its project's send gate, of this
    // process's share of the quota (`send-shares.ts`): the bound then survives stalls.
    const member =
      pacing === 'temporal'
        ? new ShareMember(
            new Client({ connection, namespace }),
            taskQueue,
            `${hostname()}:${process.pid}:${randomUUID()}`,
            (m) => log.warn(m),
          )
        : undefined;
    const dependencies = activityDependenciesFrom(config, {
      pacing,
      metrics: meterApiMetrics(runtime.metricMeter),
      sendGates:
        member &&
        new SendGates((projectId) => member.placesFor(projectId, config.cloudDC.rateLimitPerSecond)),
    });
    const workflowBundle = config.temporal.workflowBundlePath
      ? { codePath: config.temporal.workflowBundlePath }
      : builtWorkflowBundle();
    const worker = await createTrackerWorker({
      connection,
      ...(workflowBundle ? { workflowBundle } : {}),
      namespace,
      taskQueue,
      ...(taskQueueActivitiesPerSecond ? { taskQueueActivitiesPerSecond } : {}),
      ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
      ...(deployment
        ? { deployment: { deploymentName: deployment.deploymentName, buildId: deployment.buildId } }
        : {}),
      dependencies: { ...dependencies, searchIndex: missing.length === 0 },
      ...(tracing ? { tracing } : {}),
    });
    log.info(
      `Worker polling ${taskQueue} (workflows, activities and the Nexus service ${clouddcLogsService.name}) on ${address} (namespace ${namespace}` +
        `${security.tls ? `, TLS${security.certPath ? ' with a client certificate' : ''}${security.apiKey ? ' and an API key' : ''}` : ''}); ` +
        `CloudDC regions ${config.cloudDC.regions.join(', ')} (default ${config.cloudDC.region}) at ${config.cloudDC.endpointTemplate}; ` +
        `credentials: ${describeAuth(config.cloudDC.auth)}; at most ${config.cloudDC.rateLimitPerSecond} requests/s per project, ${pacing === 'temporal' ? 'held by the task queue for every worker' : 'held by this worker alone'}` +
        (taskQueueActivitiesPerSecond
          ? `, ${taskQueueActivitiesPerSecond} activities/s on the task queue`
          : '') +
        (deployment
          ? `; build ${deployment.buildId} of Worker Deployment ${deployment.deploymentName}, trackers and collections pinned to it`
          : '; unversioned (TEMPORAL_WORKER_VERSIONING=off)') +
        `; archives to the ${dependencies.archives.description}` +
        (config.archives.kind === 'object-store' ? ` (keys from ${config.archives.credentialsFrom})` : '') +
        (config.telemetry.metricsAddress
          ? `; metrics on http://${config.telemetry.metricsAddress}/metrics`
          : '') +
        (tracingSettings ? `; traces to ${describeTracing(tracingSettings)}` : ''),
    );
    // The SDK shuts the worker down gracefully on SIGINT and SIGTERM; run() resolves once it has.
    const running = worker.run();
    member?.start();
    if (deployment) {
      if (deployment.buildIdLacksRevision)
        log.warn(
          `Build ID ${deployment.buildId} is the package version alone (no GIT_REVISION, no git checkout): two builds of one version would share it. Set TEMPORAL_WORKER_BUILD_ID or GIT_REVISION`,
        );
      joinDeployment({ service: connection.workflowService, namespace }, deployment).then(
        (line) => log.info(line),
        (err: unknown) =>
          log.warn(
            `Could not join Worker Deployment ${deployment.deploymentName}: ${err instanceof Error ? err.message : String(err)}`,
          ),
      );
    }
    await running;
    await member?.stop();
  } finally {
    await connection.close();
    await tracing?.shutdown();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
