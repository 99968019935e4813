import { createNexusServiceClient } from '@temporalio/workflow';
import {
  type CollectServerLogsInput,
  clouddcLogsService,
  DEFAULT_NEXUS_ENDPOINT,
  FailureType,
  type LogExportResult,
  logCollectionFailureOf,
  type TrackLogExportInput,
} from '../../../src/api.js';

/**
 * Examples of another team's workflows calling log collection through our Nexus endpoint, from
 * their own namespace (docs/nexus/typescript.md shows them; the tests run them). The caller needs
 * the service definition only: `clouddcLogsService` from our package, or the names in it.
 */
export interface DiagnoseInput extends CollectServerLogsInput {
  /** The endpoint's name, if the cluster's admin chose another. */
  endpoint?: string;
}

export type Diagnosis = { archive: string; sha256: string } | { missing: string };

/**
 * Collects a server's logs before acting on it: the archive, or why there is none when the API
 * reports the export failed. Any other failure (`LogExportNotFound`, `InvalidInput`, ...) fails
 * the caller with our failure type in the cause chain.
 */
export async function diagnoseServer({ endpoint, ...input }: DiagnoseInput): Promise<Diagnosis> {
  const logs = createNexusServiceClient({
    endpoint: endpoint ?? DEFAULT_NEXUS_ENDPOINT,
    service: clouddcLogsService,
  });
  try {
    const { archive } = await logs.executeOperation('collectServerLogs', input, {
      scheduleToCloseTimeout: '24h',
    });
    return { archive: archive.url, sha256: archive.sha256 };
  } catch (err) {
    const failure = logCollectionFailureOf(err);
    if (failure?.type === FailureType.LogExportFailed) return { missing: failure.message };
    throw err;
  }
}

export interface AwaitExportInput extends TrackLogExportInput {
  endpoint?: string;
}

/** Waits for an export someone else requested; attaches to its tracker if one is running. */
export async function awaitExportViaNexus({
  endpoint,
  ...input
}: AwaitExportInput): Promise<LogExportResult> {
  const logs = createNexusServiceClient({
    endpoint: endpoint ?? DEFAULT_NEXUS_ENDPOINT,
    service: clouddcLogsService,
  });
  // Cancelling this workflow cancels the operation, once our handler has been told.
  return logs.executeOperation('trackLogExport', input, {
    scheduleToCloseTimeout: '24h',
    cancellationType: 'WAIT_CANCELLATION_REQUESTED',
  });
}
