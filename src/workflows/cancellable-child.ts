import {
  CancellationScope,
  type ChildWorkflowOptions,
  getExternalWorkflowHandle,
  isCancellation,
  startChild,
  type WithWorkflowArgs,
  type Workflow,
  type WorkflowResultType,
} from '@temporalio/workflow';

/**
 * Runs a child workflow to its result, like `executeChild`, except that a cancellation always
 * reaches it. With `executeChild`, a cancellation that arrives after the child's start is
 * initiated but before it is recorded as started is sent as a cancel request the server refuses
 * (the child does not exist yet); the child then starts and runs to its end, and the parent waits
 * for it (seen here as a collection waiting two minutes on a tracker it had cancelled; the same
 * race as temporalio/sdk-python#1445). So the child is started where no cancellation interrupts
 * it, and once started, a cancellation of the caller is passed on by ID and waited out.
 */
export async function runChild<T extends Workflow>(
  workflowType: string,
  options: WithWorkflowArgs<T, ChildWorkflowOptions>,
  /** Told once the child is running (its start recorded), or could not be started. */
  started?: () => void,
): Promise<WorkflowResultType<T>> {
  // startChild's overloads take a name or a function, not the union of the two.
  const child = await CancellationScope.nonCancellable(() =>
    typeof workflowType === 'string'
      ? startChild<T>(workflowType, options)
      : startChild(workflowType, options),
  ).finally(started);
  try {
    return await Promise.race([child.result(), CancellationScope.current().cancelRequested]);
  } catch (err) {
    if (isCancellation(err) && CancellationScope.current().consideredCancelled) {
      await CancellationScope.nonCancellable(async () => {
        // By ID alone, so the request reaches the child's current run if it continued as new; it
        // fails only if the child has just ended, which is what it asks for.
        await getExternalWorkflowHandle(child.workflowId)
          .cancel()
          .catch(() => undefined);
        await child.result().catch(() => undefined);
      });
    }
    throw err;
  }
}
