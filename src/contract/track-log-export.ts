import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { durationSchema } from './duration.js';
import { idSchema, invalidInput, parseInput, regionSchema } from './input.js';
import { MAX_TRACKING_MS, type PollingPolicy, policyInputSchema, resolvePolicy } from './polling-policy.js';

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

/**
 * ExportServerLogs's answer, for a tracker started right after the request (as a collection
 * starts one): it is the export's first reading, so the tracker does not spend a call on an
 * export that has only just begun. Taken as read when it was answered (`answeredAt`), or when the
 * tracker starts for an answer that does not say.
 */
const acceptedSchema = z.strictObject({
  status: z.string().max(200).nullable(),
  percentage: z.union([z.string().max(200), z.number()]).nullable(),
  createdAt: z.string().max(200).optional(),
  /** When the answer arrived (epoch ms): the time of the reading, else the tracker's start. */
  answeredAt: z.number().int().nonnegative().optional(),
});

/** The three IDs alone, to name the export in messages about the rest of a bad input. */
const exportIdsSchema = z.object({ projectId: idSchema, serverId: idSchema, exportId: idSchema });

export const trackLogExportInputSchema = z.strictObject(
  {
    projectId: idSchema,
    serverId: idSchema,
    exportId: idSchema,
    region: regionSchema.optional(),
    policy: policyInputSchema,
    accepted: acceptedSchema.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'expected a JSON object' : undefined) },
);

/** The input of `trackLogExport` as callers send it (durations as strings or milliseconds). */
export type TrackLogExportInput = z.input<typeof trackLogExportInputSchema>;

/** A validated `trackLogExport` input with its policy resolved. */
export interface TrackLogExportRequest {
  projectId: string;
  serverId: string;
  exportId: string;
  region?: string;
  policy: PollingPolicy;
  /** The API's answer to the export request, as the first reading (see `acceptedSchema`). */
  accepted?: z.output<typeof acceptedSchema>;
}

/**
 * Validates a `trackLogExport` input. Every caller (workflow, CLI, helpers) goes through here, so
 * the Web UI, the CLI and child-workflow callers all see the same messages.
 *
 * @throws ApplicationFailure of type `InvalidInput`, non-retryable, naming each bad field.
 */
export function parseTrackLogExportInput(raw: unknown): TrackLogExportRequest {
  const { policy, ...ids } = parseInput(trackLogExportInputSchema, raw, (valid) => {
    const ids = exportIdsSchema.safeParse(valid);
    return ids.success ? describeExport(ids.data) : undefined;
  });
  return { ...ids, policy: resolvePolicy(policy) };
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
  /**
   * When the answer arrived (epoch ms, the worker's clock): the time the reading is of, which the
   * tracker would otherwise take as when its workflow task ran, seconds later on a busy worker.
   * Absent in answers recorded before it was kept.
   */
  answeredAt?: number;
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

const extendTimeoutInputSchema = z
  .strictObject({
    by: durationSchema.optional(),
    until: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 time such as "2026-11-27T18:00:00Z"' })
      .optional(),
  })
  .refine((input) => (input.by === undefined) !== (input.until === undefined), {
    error: 'give exactly one of "by" (a duration) or "until" (a time)',
  });

/**
 * The new deadline an `extendTimeout` asks for, checked against the current one: it must move
 * the deadline later, and no further than 30 days ahead.
 */
export function extendedDeadline(raw: unknown, current: number, now: number): number {
  const input = parseInput(extendTimeoutInputSchema, raw, () => 'extendTimeout');
  const deadline = input.by !== undefined ? current + input.by : Date.parse(input.until as string);
  const problem =
    deadline <= current
      ? `the new deadline ${new Date(deadline).toISOString()} is not later than the current one, ${new Date(current).toISOString()}`
      : deadline - now > MAX_TRACKING_MS
        ? 'the new deadline is more than 30 days away'
        : undefined;
  if (problem) {
    throw invalidInput(`extendTimeout: invalid input: ${problem}`);
  }
  return deadline;
}
