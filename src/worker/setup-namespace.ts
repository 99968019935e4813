/**
 * `npm run search-attributes`: sets up the namespace, waiting for the cluster to come up first
 * (Docker Compose runs it once at start): adds our search attributes (already present ones are
 * kept), sets the per-project request budget on the task queue (`CLOUDDC_RATE_LIMIT`), as every
 * worker also does at start-up, and routes the Nexus endpoint (`CLOUDDC_NEXUS_ENDPOINT`) to the
 * task queue.
 */
import { Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { connectionSecurity } from '../client/temporal-connection.js';
import { ALL_SEARCH_ATTRIBUTES } from '../contract/index.js';
import { ensureNexusEndpoint } from '../nexus/endpoint.js';
import { setUpProjectPacing } from '../request-budget/project-pacing.js';
import { ConfigError, loadNamespaceSetupConfig } from './config.js';
import { missingSearchAttributes } from './search-attributes-check.js';

let config: ReturnType<typeof loadNamespaceSetupConfig>;
try {
  config = loadNamespaceSetupConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(2);
}
const { address, namespace, security, taskQueue, rateLimitPerSecond, nexusEndpoint } = config;

// Read once, before waiting for the cluster: an unreadable certificate is not worth retrying.
const connectionOptions = { address, ...(await connectionSecurity(security)) };
/** gRPC codes that waiting will not cure: bad request, no permission (e.g. Temporal Cloud), unknown method, bad credentials. */
const PERMANENT_GRPC_CODES = new Set([3, 7, 12, 16]);
const deadline = Date.now() + 5 * 60_000;
for (;;) {
  try {
    const missing = await missingSearchAttributes(address, namespace, security);
    if (missing.length > 0) {
      const connection = await Connection.connect(connectionOptions);
      try {
        await connection.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(
            ALL_SEARCH_ATTRIBUTES.filter((key) => missing.includes(key.name)).map((key) => [
              key.name,
              key.type === 'INT'
                ? protos.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT
                : protos.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
            ]),
          ),
        });
      } finally {
        await connection.close();
      }
    }
    console.log(
      `Search attributes of namespace ${namespace}: ${missing.length > 0 ? `added ${missing.join(', ')}` : 'all present'}`,
    );
    const connection = await Connection.connect(connectionOptions);
    try {
      const pacing = await setUpProjectPacing(
        { service: connection.workflowService, namespace, taskQueue },
        rateLimitPerSecond,
        (message) => console.warn(message),
      );
      if (pacing === 'temporal') {
        console.log(
          `Task queue ${taskQueue}: at most ${rateLimitPerSecond} requests/s per project, for every worker`,
        );
      }
      await setUpNexusEndpoint(connection);
    } finally {
      await connection.close();
    }
    break;
  } catch (err) {
    // The cluster (or its namespace) may still be starting.
    if (PERMANENT_GRPC_CODES.has((err as { code?: number }).code ?? -1) || Date.now() > deadline) throw err;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/**
 * Endpoints are cluster-wide and need the operator API: where the namespace's credentials lack it
 * (Temporal Cloud, a locked-down cluster), an administrator creates the endpoint (docs/nexus.md).
 */
async function setUpNexusEndpoint(connection: Connection): Promise<void> {
  try {
    const change = await ensureNexusEndpoint(connection, { name: nexusEndpoint, namespace, taskQueue });
    console.log(`Nexus endpoint ${nexusEndpoint} → ${namespace}/${taskQueue}: ${change}`);
  } catch (err) {
    if (![7, 12, 16].includes((err as { code?: number }).code ?? -1)) throw err;
    console.warn(
      `Nexus endpoint ${nexusEndpoint} not set up (${(err as Error).message}); an administrator creates it: see docs/nexus.md`,
    );
  }
}
