import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, type ChildWorkflowOptions, ParentClosePolicy } from '@temporalio/workflow';
import {
  type CollectServerLogsInput,
  type CollectServerLogsResult,
  collectServerLogsWorkflowId,
  DEFAULT_TASK_QUEUE,
  describeCollection,
  describeExport,
  FailureType,
  type LogExportResult,
  logExportWorkflowId,
  parseCollectServerLogsInput,
  parseTrackLogExportInput,
  type TrackLogExportInput,
  WorkflowType,
} from '../contract/index.js';
import { runChild } from './cancellable-child.js';
import type { collectServerLogs } from './collect-server-logs.js';
import type { trackLogExport } from './track-log-export.js';

/** What a parent may change; the workflow ID and arguments are always the standard ones. */
export type ChildOptions = Omit<ChildWorkflowOptions, 'workflowId' | 'args'>;

/**
 * From another team's workflow: tracks an export as a child and returns its result, or fails
 * with the tracker's typed failure (`LogExportFailed`, `LogExportTimedOut`, ...) as the cause of
 * a ChildWorkflowFailure. Started by type name on our task queue, so the caller's worker needs
 * none of our code; cancelling the parent cancels the tracking.
 */
export function awaitLogExport(
  input: TrackLogExportInput,
  options: ChildOptions = {},
): Promise<LogExportResult> {
  const request = parseTrackLogExportInput(input);
  return runChild<typeof trackLogExport>(WorkflowType.TrackLogExport, {
    taskQueue: DEFAULT_TASK_QUEUE,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    staticSummary: describeExport(request),
    ...options,
    workflowId: logExportWorkflowId(request),
    args: [input],
  });
}

/**
 * From another team's workflow: collects a server's logs as a child (see `awaitLogExport`). If a
 * collection for the server is already running (a schedule's, say), fails at once with
 * `LogCollectionAlreadyRunning` rather than start a second one.
 */
export async function collectServerLogsChild(
  input: CollectServerLogsInput,
  options: ChildOptions = {},
): Promise<CollectServerLogsResult> {
  const request = parseCollectServerLogsInput(input);
  return runChild<typeof collectServerLogs>(WorkflowType.CollectServerLogs, {
    taskQueue: DEFAULT_TASK_QUEUE,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    staticSummary: describeCollection(request),
    ...options,
    workflowId: collectServerLogsWorkflowId(request),
    args: [input],
  }).catch((err: unknown) => {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    throw ApplicationFailure.create({
      type: FailureType.LogCollectionAlreadyRunning,
      message: `${describeCollection(request)}: a collection for this server is already running (${err.workflowId})`,
      nonRetryable: true,
    });
  });
}
