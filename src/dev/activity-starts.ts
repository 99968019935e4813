import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import type { temporal } from '@temporalio/proto';

/**
 * One activity the server dispatched: its type, when it was scheduled and started, its priority
 * key (0: the default), and when and how its attempt ended, once it has.
 */
export interface ActivityDispatch {
  type: string;
  scheduledAt: number;
  startedAt: number;
  priorityKey: number;
  ended?: { at: number; as: 'completed' | 'failed' | 'timed out' | 'cancelled' };
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
  const dispatchOf = new Map<string, ActivityDispatch>();
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
    if (started && known && event.eventTime) {
      const dispatch = { ...known, startedAt: tsToMs(event.eventTime) };
      dispatches.push(dispatch);
      dispatchOf.set(String(started.scheduledEventId), dispatch);
    }
    const end = endOf(event);
    const ended = end && dispatchOf.get(String(end.scheduledEventId));
    if (end && ended && event.eventTime) ended.ended = { at: tsToMs(event.eventTime), as: end.as };
  }
  return dispatches;
}

function endOf(
  event: temporal.api.history.v1.IHistoryEvent,
): { scheduledEventId: unknown; as: NonNullable<ActivityDispatch['ended']>['as'] } | undefined {
  const ends = [
    [event.activityTaskCompletedEventAttributes, 'completed'],
    [event.activityTaskFailedEventAttributes, 'failed'],
    [event.activityTaskTimedOutEventAttributes, 'timed out'],
    [event.activityTaskCanceledEventAttributes, 'cancelled'],
  ] as const;
  for (const [attributes, as] of ends)
    if (attributes) return { scheduledEventId: attributes.scheduledEventId, as };
  return undefined;
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
