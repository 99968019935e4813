import { Context } from '@temporalio/activity';
import type { SignalDefinition } from '@temporalio/common';
import { PROJECT_RATE_LIMIT_WORKFLOW, projectRateLimitWorkflowId } from '../contract/index.js';

/**
 * Tells a project's budget keeper something, starting it if it is not running, on the task queue
 * of the activity that saw it (the one whose limits the keeper adjusts). Best effort: the call
 * that saw it goes on either way, so a failure is logged as `what`, not raised.
 */
export async function signalKeeper<T>(
  projectId: string,
  signal: SignalDefinition<[T]>,
  report: T,
  what: string,
): Promise<void> {
  const context = Context.current();
  try {
    await context.client.workflow.signalWithStart(PROJECT_RATE_LIMIT_WORKFLOW, {
      workflowId: projectRateLimitWorkflowId(projectId),
      taskQueue: context.info.taskQueue,
      args: [{ projectId }],
      signal,
      signalArgs: [report],
      staticSummary: `Request budget of CloudDC project ${projectId}`,
    });
  } catch (err) {
    context.log.warn(`Could not report ${what} to the project's budget keeper`, {
      projectId,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
