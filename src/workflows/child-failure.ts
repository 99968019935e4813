import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, ChildWorkflowFailure, isCancellation } from '@temporalio/workflow';
import { FAILURE_MESSAGE_MAX_CHARS, FailureType, logCollectionFailureOf } from '../contract/index.js';

/**
 * How a child that a fleet or a multi-project collection records ended without its result, as a
 * type and a message: its own typed failure where it has one (also behind an activity's failure,
 * as a fleet whose listing was refused ends), else cancelled or stopped from outside.
 * `alreadyRunning` says what was running when the child's ID was taken.
 */
export function childFailure(err: unknown, alreadyRunning: string): { type: string; message: string } {
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return { type: FailureType.LogCollectionAlreadyRunning, message: alreadyRunning };
  }
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  const message = ((cause as Error)?.message ?? String(cause)).slice(0, FAILURE_MESSAGE_MAX_CHARS);
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message };
  const typed = logCollectionFailureOf(cause);
  if (typed) return { type: typed.type, message: typed.message.slice(0, FAILURE_MESSAGE_MAX_CHARS) };
  if (isCancellation(cause)) return { type: FailureType.LogCollectionCancelled, message };
  return { type: FailureType.LogExportTrackingStopped, message };
}
