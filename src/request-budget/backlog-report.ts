import { Context } from '@temporalio/activity';
import {
  type BacklogReport,
  backloggedSignal,
  PROJECT_RATE_LIMIT_WORKFLOW,
  projectRateLimitWorkflowId,
} from '../contract/index.js';

/** A worker tells a project's keeper of its backlog at most this often: the keeper needs one report. */
const REPORT_EVERY_MS = 5_000;

/**
 * Tells a project's budget keeper (starting it if none runs) that a call waited for its turn, so
 * it may boost the project (`boost.ts`). Best effort and never awaited by the call: the keeper
 * hears again from the next call that waits. Each worker keeps when it last told each project,
 * to send one report where hundreds of calls wait; that is a courtesy to the keeper, not a limit
 * on anything.
 */
export function backlogReporter(): (report: BacklogReport) => void {
  const lastToldAt = new Map<string, number>();
  return (report) => {
    if (report.startedAt - (lastToldAt.get(report.projectId) ?? Number.NEGATIVE_INFINITY) < REPORT_EVERY_MS)
      return;
    lastToldAt.set(report.projectId, report.startedAt);
    const context = Context.current();
    context.client.workflow
      .signalWithStart(PROJECT_RATE_LIMIT_WORKFLOW, {
        workflowId: projectRateLimitWorkflowId(report.projectId),
        taskQueue: context.info.taskQueue,
        args: [{ projectId: report.projectId }],
        signal: backloggedSignal,
        signalArgs: [report],
        staticSummary: `Request budget of CloudDC project ${report.projectId}`,
      })
      .catch((err: unknown) => {
        context.log.warn("Could not report a backlog to the project's budget keeper", {
          projectId: report.projectId,
          error: err instanceof Error ? err.message : String(err),
        });
      });
  };
}
