import { ApplicationFailure } from '@temporalio/workflow';
import {
  describeExport,
  FailureType,
  formatDuration,
  type LogExportResult,
  type TrackLogExportRequest,
} from '../../contract/index.js';
import type { TrackerState } from './state.js';

/** How a tracker ends: its result, or the failure it ends with. */
export function completed(request: TrackLogExportRequest, state: TrackerState, now: number): LogExportResult {
  return {
    projectId: request.projectId,
    serverId: request.serverId,
    exportId: request.exportId,
    outcome: 'completed',
    status: state.status ?? '',
    percentage: state.percentage ?? 100,
    ...(state.createdAt ? { createdAt: state.createdAt } : {}),
    startedAt: new Date(state.startedAt).toISOString(),
    completedAt: new Date(now).toISOString(),
    polls: state.polls,
  };
}

export function exportFailed(
  request: TrackLogExportRequest,
  state: TrackerState,
  requestId: string | undefined,
) {
  return final(
    FailureType.LogExportFailed,
    `${describeExport(request)} failed according to the API: ${lastSeen(state)}${requestId ? ` (X-Request-Id ${requestId})` : ''}`,
    { status: state.status, percentage: state.percentage, requestId: requestId ?? null },
  );
}

export function timedOut(request: TrackLogExportRequest, state: TrackerState) {
  return final(
    FailureType.LogExportTimedOut,
    `${describeExport(request)} did not finish within ${formatDuration(request.policy.timeoutMs)}: ${lastSeen(state)}`,
    { status: state.status, percentage: state.percentage, polls: state.polls },
  );
}

export function stalled(request: TrackLogExportRequest, state: TrackerState) {
  return final(
    FailureType.LogExportStalled,
    `${describeExport(request)} made no progress for ${formatDuration(request.policy.stallTimeoutMs)}: ${lastSeen(state)}`,
    { status: state.status, percentage: state.percentage, polls: state.polls },
  );
}

function final(type: string, message: string, details: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

function lastSeen(state: TrackerState): string {
  const status = state.status === null ? 'no status yet' : `status "${state.status}"`;
  const percentage = state.percentage === null ? '' : ` at ${state.percentage}%`;
  const error = state.lastError ? `; last error: ${state.lastError}` : '';
  return `${status}${percentage}${error}`;
}
