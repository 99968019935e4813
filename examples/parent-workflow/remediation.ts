import { ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import { type CollectServerLogsInput, collectServerLogsChild, FailureType } from '../../src/api.js';

export interface RemediationInput {
  projectId: string;
  serverId: string;
  /** Our task queue, if the worker does not use the default. */
  logTaskQueue?: string;
  /** How patiently to track the export; our defaults otherwise. */
  logPolicy?: CollectServerLogsInput['policy'];
}

export interface RemediationResult {
  serverId: string;
  /** Where the diagnostics are, or why there are none. */
  diagnostics: { archive: string; sha256: string } | { missing: string };
}

/**
 * An example of another team's remediation workflow: before acting on a sick server, it
 * collects the server's logs as a child workflow and waits for the archive. An export that the
 * API reports as failed is tolerated (the remediation goes on without diagnostics); anything else
 * fails the remediation.
 */
export async function remediateServer(input: RemediationInput): Promise<RemediationResult> {
  try {
    const collected = await collectServerLogsChild(
      {
        projectId: input.projectId,
        serverId: input.serverId,
        ...(input.logPolicy ? { policy: input.logPolicy } : {}),
      },
      input.logTaskQueue ? { taskQueue: input.logTaskQueue } : {},
    );
    return {
      serverId: input.serverId,
      diagnostics: { archive: collected.archive.url, sha256: collected.archive.sha256 },
    };
  } catch (err) {
    const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === FailureType.LogExportFailed) {
      return { serverId: input.serverId, diagnostics: { missing: cause.message } };
    }
    throw err;
  }
}
