import type { Client, WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';

/** What one workflow cost, over every run of its continue-as-new chain. */
export interface WorkflowCost {
  events: number;
  /** The most events any one run had: bounded when the workflow continues as new. */
  maxEventsPerRun: number;
  runs: number;
  /** Billable Temporal Cloud actions, counted from the history. */
  actions: number;
  startedAt: number;
  closedAt: number;
}

/**
 * Reads the whole chain from the first run and counts what Temporal Cloud bills: a workflow start,
 * each activity attempt (retries write no event, but the last attempt number is on the started
 * event), each timer, search-attribute upsert, local activity (marker), signal, and continue-as-new.
 */
export async function workflowCost(
  client: Client,
  workflowId: string,
  firstRunId: string,
): Promise<WorkflowCost> {
  const cost: WorkflowCost = {
    events: 0,
    maxEventsPerRun: 0,
    runs: 0,
    actions: 0,
    startedAt: 0,
    closedAt: 0,
  };
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    cost.runs += 1;
    cost.events += events.length;
    cost.maxEventsPerRun = Math.max(cost.maxEventsPerRun, events.length);
    runId = undefined;
    for (const event of events) {
      if (event.workflowExecutionStartedEventAttributes && cost.runs === 1) {
        cost.actions += 1;
        cost.startedAt = tsToMs(event.eventTime);
      }
      if (event.activityTaskStartedEventAttributes) {
        cost.actions += event.activityTaskStartedEventAttributes.attempt ?? 1;
      }
      if (
        event.timerStartedEventAttributes ||
        event.upsertWorkflowSearchAttributesEventAttributes ||
        event.markerRecordedEventAttributes ||
        event.workflowExecutionSignaledEventAttributes
      ) {
        cost.actions += 1;
      }
      if (event.workflowExecutionContinuedAsNewEventAttributes) {
        cost.actions += 1;
        runId = event.workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId ?? undefined;
      }
      cost.closedAt = tsToMs(event.eventTime);
    }
  }
  return cost;
}
