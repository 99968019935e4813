import type { Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { clouddcLogsService } from '../contract/index.js';

export interface NexusEndpointTarget {
  /** The endpoint's name, which callers put in their code (`DEFAULT_NEXUS_ENDPOINT`). */
  name: string;
  /** Our namespace and task queue: where the worker handling `CloudDCLogs` runs. */
  namespace: string;
  taskQueue: string;
}

/** Shown to callers in the Web UI's list of endpoints (Markdown). */
const DESCRIPTION = `CloudDC server log collection. Service \`${clouddcLogsService.name}\`: \`trackLogExport\` waits for an export to end, \`collectServerLogs\` requests one, tracks it and stores its archive. Failures carry the tracker's failure types (\`LogExportFailed\`, \`LogExportNotFound\`, \`InvalidInput\`, ...). Callers' guide: docs/nexus.md.`;

/**
 * Creates the Nexus endpoint that routes `CloudDCLogs` calls to our worker, or points an existing
 * one of that name at it. Idempotent, so `npm start`, the tests and the set-up step run it on every
 * start. Endpoints are cluster-wide; on Temporal Cloud they are managed with `tcld` or the Cloud
 * UI instead (docs/nexus.md).
 */
export async function ensureNexusEndpoint(
  { operatorService }: Pick<Connection, 'operatorService'>,
  target: NexusEndpointTarget,
): Promise<'created' | 'updated' | 'unchanged'> {
  const spec = {
    name: target.name,
    description: defaultPayloadConverter.toPayload(DESCRIPTION),
    target: { worker: { namespace: target.namespace, taskQueue: target.taskQueue } },
  };
  const { endpoints } = await operatorService.listNexusEndpoints({ name: target.name });
  const existing = endpoints?.find((e) => e.spec?.name === target.name);
  if (!existing) {
    await operatorService.createNexusEndpoint({ spec });
    return 'created';
  }
  const worker = existing.spec?.target?.worker;
  if (worker?.namespace === target.namespace && worker.taskQueue === target.taskQueue) return 'unchanged';
  await operatorService.updateNexusEndpoint({
    id: existing.id ?? '',
    version: existing.version,
    spec,
  });
  return 'updated';
}
