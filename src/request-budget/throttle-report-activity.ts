import { Context } from '@temporalio/activity';
import {
  PROJECT_RATE_LIMIT_WORKFLOW,
  projectRateLimitWorkflowId,
  type ThrottleReport,
  throttledSignal,
} from '../contract/index.js';

/**
 * Tells the project's budget keeper about a gateway 429, starting it if it is not running, on the
 * task queue of the activity that got the 429 (the one whose limits it adjusts). Best effort: the
 * call that was refused is retried either way, so a failure here is logged, not raised.
 */
export async function reportThrottleToKeeper(report: ThrottleReport): Promise<void> {
  const context = Context.current();
  try {
    await context.client.workflow.signalWithStart(PROJECT_RATE_LIMIT_WORKFLOW, {
      workflowId: projectRateLimitWorkflowId(report.projectId),
      taskQueue: context.info.taskQueue,
      args: [{ projectId: report.projectId }],
      signal: throttledSignal,
      signalArgs: [report],
      staticSummary: `Request budget of CloudDC project ${report.projectId}`,
    });
  } catch (err) {
    context.log.warn("Could not report a 429 to the project's budget keeper", {
      projectId: report.projectId,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
