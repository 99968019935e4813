import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ChildWorkflowFailure } from '@temporalio/workflow';
import { FailureType, failureOfEndedWorkflow } from '../contract/index.js';

/**
 * How a child that a fleet or a multi-project collection records ended without its result, as a
 * type and a message (`failureOfEndedWorkflow`). `alreadyRunning` says what was running when the
 * child's ID was taken.
 */
export function childFailure(err: unknown, alreadyRunning: string): { type: string; message: string } {
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return { type: FailureType.LogCollectionAlreadyRunning, message: alreadyRunning };
  }
  return failureOfEndedWorkflow(err instanceof ChildWorkflowFailure ? err.cause : err);
}
