import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';

/**
 * When the server dispatched each activity of `types` that a workflow ran (the times of its
 * `ActivityTaskStarted` events): how fast a project's calls left the task queue, apart from when
 * they reached the gateway.
 */
export async function activityStartTimes(
  client: Client,
  workflowId: string,
  types: ReadonlySet<string>,
): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const wanted = new Set<string>();
  const times: number[] = [];
  for (const event of history.events ?? []) {
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type && types.has(type)) wanted.add(String(event.eventId));
    const started = event.activityTaskStartedEventAttributes;
    if (started && wanted.has(String(started.scheduledEventId)) && event.eventTime)
      times.push(tsToMs(event.eventTime));
  }
  return times;
}
