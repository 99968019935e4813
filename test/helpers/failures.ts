import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { expect } from 'vitest';

/** Awaits a workflow result that must fail, and returns the failure the workflow ended with. */
export async function workflowFailure(
  result: Promise<unknown>,
): Promise<ApplicationFailure | CancelledFailure> {
  const err = await result.then(
    () => {
      throw new Error('expected the workflow to fail, but it completed');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  if (!(cause instanceof ApplicationFailure || cause instanceof CancelledFailure)) {
    throw new Error(`unexpected failure cause: ${String(cause)}`);
  }
  return cause;
}

/** Like `workflowFailure`, for failures that must be ApplicationFailures. */
export async function applicationFailure(result: Promise<unknown>): Promise<ApplicationFailure> {
  const failure = await workflowFailure(result);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return failure as ApplicationFailure;
}
