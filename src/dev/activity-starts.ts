import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';

/** One activity the server dispatched: its type, when it was scheduled and started, and its priority key (0: the default). */
export interface ActivityDispatch {
  type: string;
  scheduledAt: number;
  startedAt: number;
  priorityKey: number;
}

/**
 * The activities of `types` that a workflow ran, in the order the server dispatched them (their
 * `ActivityTaskStarted` events): how fast a project's calls left the task queue, apart from when
 * they reached the gateway, and which of them went ahead of the others.
 */
export async function activityDispatches(
  client: Client,
  workflowId: string,
  types: ReadonlySet<string>,
): Promise<ActivityDispatch[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, { type: string; priorityKey: number; scheduledAt: number }>();
  const dispatches: ActivityDispatch[] = [];
  for (const event of history.events ?? []) {
    const attributes = event.activityTaskScheduledEventAttributes;
    const type = attributes?.activityType?.name;
    if (type && types.has(type) && event.eventTime)
      scheduled.set(String(event.eventId), {
        type,
        priorityKey: attributes?.priority?.priorityKey ?? 0,
        scheduledAt: tsToMs(event.eventTime),
      });
    const started = event.activityTaskStartedEventAttributes;
    const known = started ? scheduled.get(String(started.scheduledEventId)) : undefined;
    if (known && event.eventTime) dispatches.push({ ...known, startedAt: tsToMs(event.eventTime) });
  }
  return dispatches;
}

/** When the server dispatched each activity of `types` that any of the workflows ran. */
export async function activityStartTimes(
  client: Client,
  workflowIds: readonly string[],
  types: ReadonlySet<string>,
): Promise<number[]> {
  const dispatches = await Promise.all(workflowIds.map((id) => activityDispatches(client, id, types)));
  return dispatches.flat().map((d) => d.startedAt);
}
