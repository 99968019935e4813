import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Task queue the worker polls unless `TEMPORAL_TASK_QUEUE` says otherwise. */
export const DEFAULT_TASK_QUEUE = 'clouddc-log-exports';

/** Workflow type names, for callers that start workflows by name (Web UI, CLI, other SDKs). */
export const WorkflowType = {
  TrackLogExport: 'trackLogExport',
  CollectServerLogs: 'collectServerLogs',
  CollectFleetLogs: 'collectFleetLogs',
} as const;

export interface ExportRef {
  projectId: string;
  serverId: string;
  exportId: string;
}

/**
 * One tracker per export: the ID is derived from the export, so a second start attaches to the
 * tracker already running instead of polling the API twice.
 */
export function logExportWorkflowId({ projectId, serverId, exportId }: ExportRef): string {
  return `clouddc-log-export:${projectId}:${serverId}:${exportId}`;
}

/** "Log export exp-9 of server srv-1 (project p-1)", for messages and summaries. */
export function describeExport({ projectId, serverId, exportId }: ExportRef): string {
  return `Log export ${exportId} of server ${serverId} (project ${projectId})`;
}

/** The result of `trackLogExport` when the export finished. */
export interface LogExportResult extends ExportRef {
  outcome: 'completed';
  /** The last status string the API returned, as it returned it. */
  status: string;
  percentage: number;
  createdAt?: string;
  /** When tracking started (ISO 8601), kept across continue-as-new. */
  startedAt: string;
  /** When the tracker saw the export finish (ISO 8601). */
  completedAt: string;
  polls: number;
}

/** What `getProgress` answers at any time. */
export interface LogExportProgress {
  /** Last status string from the API; null before its first answer (a poll, or the export request's in `accepted`). */
  status: string | null;
  /** Last parsed percentage (0..100); null before the first parseable one. */
  percentage: number | null;
  /** Status calls made. */
  polls: number;
  /** When the API last answered about the export: the last poll, or before it the `accepted` answer. */
  lastPolledAt: string | null;
  nextPollAt: string | null;
  startedAt: string;
  lastError?: string;
  /** Estimated completion (ISO 8601), from the recent pace of the percentage, when there is one. */
  eta?: string;
  /** When the tracker gives up (ISO 8601), as `extend` last set it. */
  deadline?: string;
}

/** Input of the status-poll activity. The region is a name; the worker maps it to its endpoint. */
export interface ExportStatusRequest extends ExportRef {
  region?: string;
  /** Failed API attempts since the last good answer, so backoff keeps growing across polls. */
  failedAttempts?: number;
  /**
   * How long the poll retries transient errors, from the first one (time waiting for the
   * project's turn does not count); then it hands the error back to the tracker.
   */
  retryBudgetMs?: number;
}

/**
 * Details of a failed status poll (the first detail of its ApplicationFailure). The workflow
 * reads `retryInMs` from here because failure conversion drops `nextRetryDelay`.
 */
export interface ApiFailureDetails {
  httpStatus: number | null;
  requestId: string | null;
  errorCode: string | null;
  errorMsg: string | null;
  /** Failed attempts in a row, counting this one. */
  attempt: number;
  /** How long to wait before calling the API again (Retry-After or backoff); null when final. */
  retryInMs: number | null;
}

/**
 * One successful ShowLogsExportStatus answer, as the API sent it. Interpreting status and
 * percentage is left to the workflow, so history keeps the raw values.
 */
export interface ExportStatusSnapshot {
  /** Null when the API sent a percentage but no status. */
  status: string | null;
  percentage: string | number | null;
  createdAt?: string;
  requestId?: string;
}

export const getProgressQuery = defineQuery<LogExportProgress>('getProgress');
export const pollNowSignal = defineSignal('pollNow');

/** `extendTimeout`: give a tracker more time, by a duration or until a moment. */
export interface ExtendTimeoutInput {
  /** Added to the current deadline, e.g. "2h". */
  by?: string | number;
  /** The new deadline, ISO 8601, later than the current one. */
  until?: string;
}

export const extendTimeoutUpdate = defineUpdate<{ deadline: string }, [ExtendTimeoutInput]>('extendTimeout');
