import { ApplicationFailure } from '@temporalio/common';
import {
  type CancelWorkflowRunOptions,
  getClient,
  log,
  type TemporalCancelOperationContext,
  TemporalOperationHandler,
  type TemporalOperationResult,
  type TemporalStartOperationContext,
} from '@temporalio/nexus';
import * as nexus from 'nexus-rpc';
import {
  clouddcLogsService,
  collectServerLogsWorkflowId,
  describeCollection,
  describeExport,
  FailureType,
  logExportWorkflowId,
  parseCollectServerLogsInput,
  parseTrackLogExportInput,
  releaseCallerUpdate,
  STARTED_FOR_NEXUS_MEMO,
  WorkflowType,
} from '../contract/index.js';
import type { collectServerLogs, trackLogExport } from '../workflows/index.js';

/**
 * Our Nexus service, handled by the tracker worker. Each operation is backed by the workflow run
 * under the standard ID of its export or server: a caller for one that is already being worked on
 * is attached to that run (its completion is delivered to every caller), so no export is ever
 * polled twice.
 */
export const clouddcLogsHandler = nexus.serviceHandler(clouddcLogsService, {
  trackLogExport: sharedRunOperation<typeof trackLogExport>(WorkflowType.TrackLogExport, (input) => {
    const request = parseTrackLogExportInput(input);
    return { workflowId: logExportWorkflowId(request), staticSummary: describeExport(request) };
  }),
  collectServerLogs: sharedRunOperation<typeof collectServerLogs>(WorkflowType.CollectServerLogs, (input) => {
    const request = parseCollectServerLogsInput(input);
    return { workflowId: collectServerLogsWorkflowId(request), staticSummary: describeCollection(request) };
  }),
});

/**
 * An operation backed by the run of `workflowType` that `identify` names for the input (its
 * standard ID), started or attached to. `identify` throws the workflow's `InvalidInput` for bad
 * input, which then goes to a run of its own (see `rejected`).
 */
function sharedRunOperation<W extends (input: never) => Promise<unknown>>(
  workflowType: string,
  identify: (input: unknown) => { workflowId: string; staticSummary: string },
): TemporalOperationHandler<Parameters<W>[0], Awaited<ReturnType<W>>> {
  return new TemporalOperationHandler({
    start: async (ctx, temporal, input) =>
      temporal.startWorkflow(workflowType, {
        args: [input],
        ...(identified(() => identify(input)) ?? rejected(ctx)),
        workflowIdConflictPolicy: 'USE_EXISTING',
        memo: { [STARTED_FOR_NEXUS_MEMO]: true },
      }) as Promise<TemporalOperationResult<Awaited<ReturnType<W>>>>,
    cancelWorkflowRun: releaseCaller,
  });
}

/** What `identify` gives, or undefined when the input is invalid. */
function identified<T>(identify: () => T): T | undefined {
  try {
    return identify();
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === FailureType.InvalidInput) return undefined;
    throw err;
  }
}

/**
 * Where invalid input goes: a run of its own (one per Nexus request, so a retried request finds
 * it), which fails at once with the workflow's `InvalidInput` naming every bad field, before any
 * API call. The caller then finds the failure exactly where it finds every other one, as the cause
 * of the operation's failure; an `OperationError` from the handler would nest it one level deeper
 * under a failure of type `OperationError`, which is what Go's `errors.As` and Java's `getCause()`
 * would meet first.
 */
function rejected({ requestId }: TemporalStartOperationContext) {
  return {
    workflowId: `clouddc-invalid-input:${requestId}`,
    staticSummary: 'Nexus call with invalid input (fails at once)',
  };
}

/**
 * A caller cancelled its operation. The run is shared, so the caller is only detached from it,
 * unless it was the last one attached to a run that Nexus callers started: then nobody waits for
 * it any more and it is cancelled. Runs an operator, a schedule or a parent workflow started are
 * never cancelled by a Nexus caller. The server counts the callers attached (one completion
 * callback each, deduplicated by request ID); the run counts those that left.
 */
async function releaseCaller(
  _ctx: TemporalCancelOperationContext,
  { workflowId }: CancelWorkflowRunOptions,
): Promise<void> {
  const handle = getClient().workflow.getHandle(workflowId);
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') return;
  const attached = description.raw.callbacks?.length ?? 0;
  const { remaining } = await handle.executeUpdate(releaseCallerUpdate, { args: [{ attached }] });
  const startedForNexus =
    description.memo?.[STARTED_FOR_NEXUS_MEMO] === true && description.parentExecution === undefined;
  const cancel = remaining === 0 && startedForNexus;
  log.info('A Nexus caller cancelled its operation', { workflowId, attached, remaining, cancel });
  if (cancel) await handle.cancel();
}
