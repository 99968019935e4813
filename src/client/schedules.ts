import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import {
  type CollectFleetLogsInput,
  type CollectProjectsLogsInput,
  DEFAULT_TASK_QUEUE,
  describeProjects,
  invalidInput,
  parseCollectFleetLogsInput,
  parseCollectProjectsLogsInput,
  WorkflowType,
} from '../contract/index.js';

export const OVERLAP_POLICIES = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
} as const;

/** What a schedule runs: one project's fleet, or several projects' (`{ projects: [...] }`). */
export type ScheduledInput = CollectFleetLogsInput | CollectProjectsLogsInput;

export interface FleetScheduleOptions {
  scheduleId: string;
  input: ScheduledInput;
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
 * A Temporal Schedule (not a timer loop) that starts `collectFleetLogs`, or `collectProjectsLogs`
 * for a list of projects, with the same input each time. Overlapping runs are skipped by default:
 * a night's collection still running when the next is due is not doubled.
 */
export async function createFleetSchedule(client: Client, options: FleetScheduleOptions) {
  const action = scheduledAction(options.input, options.scheduleId);
  if (!options.cron?.length && options.everyMs === undefined)
    throw invalidInput(
      `Schedule ${options.scheduleId}: invalid input: cron or every: a schedule needs one of them`,
    );
  return client.schedule.create({
    scheduleId: options.scheduleId,
    spec: {
      ...(options.cron?.length ? { cronExpressions: options.cron } : {}),
      ...(options.everyMs !== undefined ? { intervals: [{ every: options.everyMs }] } : {}),
      ...(options.timezone ? { timezone: options.timezone } : {}),
    },
    action: {
      type: 'startWorkflow',
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      args: [options.input],
      ...action,
    },
    policies: {
      overlap: OVERLAP_POLICIES[options.overlap ?? 'skip'],
      ...(options.catchupWindowMs !== undefined ? { catchupWindow: options.catchupWindowMs } : {}),
    },
    // Temporal keeps cron expressions as calendars; the memo keeps them as they were written.
    ...(options.cron?.length ? { memo: { [CRON_MEMO]: options.cron } } : {}),
    ...(options.note ? { state: { note: options.note } } : {}),
  });
}

/**
 * The workflow a schedule starts for its input, checked with the workflow's own rules. The
 * schedule appends the scheduled time to the ID, so each run has an ID of its own; the schedule's
 * ID keeps two schedules of one project apart.
 */
function scheduledAction(input: ScheduledInput, scheduleId: string) {
  if ('projects' in input) {
    const request = parseCollectProjectsLogsInput(input);
    return {
      workflowType: WorkflowType.CollectProjectsLogs,
      workflowId: `clouddc-collect-projects:${scheduleId}`,
      staticSummary: `Scheduled ${describeProjects(request.projects.map((p) => p.projectId))}`,
    };
  }
  const request = parseCollectFleetLogsInput(input);
  return {
    workflowType: WorkflowType.CollectFleetLogs,
    workflowId: `clouddc-collect-fleet:${request.projectId}:${scheduleId}`,
    staticSummary: `Scheduled fleet log collection for project ${request.projectId}`,
  };
}

const CRON_MEMO = 'cronExpressions';

/** Everything a fleet schedule was created with, and what it is doing now. */
export interface FleetScheduleView {
  scheduleId: string;
  workflowType: string;
  input: ScheduledInput;
  taskQueue: string;
  cron: string[];
  everyMs: number[];
  timezone: string | null;
  /** An `--overlap` name (`skip`, `buffer-one`, ...). */
  overlap: string;
  catchupWindowMs: number;
  paused: boolean;
  note: string | null;
  nextRuns: string[];
  recentRuns: Array<{ scheduledAt: string; workflowId: string }>;
  runningRuns: string[];
}

/** What `schedule describe` shows: the schedule's own settings, decoded, and its runs. */
export async function describeFleetSchedule(client: Client, scheduleId: string): Promise<FleetScheduleView> {
  const d = await client.schedule.getHandle(scheduleId).describe();
  const scheduled: string[] = [WorkflowType.CollectFleetLogs, WorkflowType.CollectProjectsLogs];
  if (d.action.type !== 'startWorkflow' || !scheduled.includes(d.action.workflowType))
    throw invalidInput(`Schedule ${scheduleId} does not start ${scheduled.join(' or ')}`);
  const overlap = Object.entries(OVERLAP_POLICIES).find(([, v]) => v === d.policies.overlap)?.[0];
  const cron = d.memo?.[CRON_MEMO];
  return {
    scheduleId,
    workflowType: d.action.workflowType,
    input: d.action.args?.[0] as ScheduledInput,
    taskQueue: d.action.taskQueue,
    cron: Array.isArray(cron) ? cron.map(String) : [],
    everyMs: (d.spec.intervals ?? []).map((i) => Number(i.every)),
    timezone: d.spec.timezone || null,
    overlap: overlap ?? String(d.policies.overlap),
    catchupWindowMs: d.policies.catchupWindow,
    paused: d.state.paused,
    note: d.state.note ?? null,
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
    })),
    runningRuns: d.info.runningActions.map((a) => a.workflow.workflowId),
  };
}

/**
 * Runs a schedule now, under its own overlap policy: the SDK's `trigger()` defaults to allow-all,
 * which would start a second fleet beside a running one, and Temporal does not list such a run
 * among the schedule's running ones.
 */
export async function triggerSchedule(client: Client, scheduleId: string): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  const { policies } = await handle.describe();
  await handle.trigger(policies.overlap);
}
