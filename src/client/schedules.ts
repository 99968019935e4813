import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import {
  type CollectFleetLogsInput,
  DEFAULT_TASK_QUEUE,
  parseCollectFleetLogsInput,
  WorkflowType,
} from '../contract/index.js';
import type { collectFleetLogs } from '../workflows/index.js';

export const OVERLAP_POLICIES = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
} as const;

export interface FleetScheduleOptions {
  scheduleId: string;
  input: CollectFleetLogsInput;
  /** Cron expressions, or an interval (a duration in ms); at least one of the two. */
  cron?: string[];
  everyMs?: number;
  timezone?: string;
  overlap?: keyof typeof OVERLAP_POLICIES;
  catchupWindowMs?: number;
  taskQueue?: string;
  note?: string;
}

/**
 * A Temporal Schedule (not a timer loop) that starts `collectFleetLogs` with the same input each
 * time. Overlapping runs are skipped by default: a night's collection still running when the next
 * is due is not doubled.
 */
export async function createFleetSchedule(client: Client, options: FleetScheduleOptions) {
  const request = parseCollectFleetLogsInput(options.input);
  if (!options.cron?.length && options.everyMs === undefined)
    throw new Error('a schedule needs --cron or --every');
  return client.schedule.create({
    scheduleId: options.scheduleId,
    spec: {
      ...(options.cron?.length ? { cronExpressions: options.cron } : {}),
      ...(options.everyMs !== undefined ? { intervals: [{ every: options.everyMs }] } : {}),
      ...(options.timezone ? { timezone: options.timezone } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: WorkflowType.CollectFleetLogs,
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      // The schedule appends the scheduled time, so each run has an ID of its own; the schedule's
      // ID keeps two schedules of one project apart.
      workflowId: `clouddc-collect-fleet:${request.projectId}:${options.scheduleId}`,
      args: [options.input] as Parameters<typeof collectFleetLogs>,
      staticSummary: `Scheduled fleet log collection for project ${request.projectId}`,
    },
    policies: {
      overlap: OVERLAP_POLICIES[options.overlap ?? 'skip'],
      ...(options.catchupWindowMs !== undefined ? { catchupWindow: options.catchupWindowMs } : {}),
    },
    ...(options.note ? { state: { note: options.note } } : {}),
  });
}
