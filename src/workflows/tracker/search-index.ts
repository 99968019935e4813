import { upsertSearchAttributes } from '@temporalio/workflow';
import {
  PERCENT_STEP,
  SearchAttribute,
  type TrackerStatus,
  type TrackLogExportRequest,
} from '../../contract/index.js';
import type { TrackerState } from './state.js';

/**
 * Keeps the tracker's search attributes current, upserting only what changed (every upsert is a
 * billed action) and the percentage only in steps of PERCENT_STEP. Does nothing when the
 * namespace lacks the attributes, which the worker found out at start-up.
 */
export function indexTracker(
  state: TrackerState,
  request: TrackLogExportRequest,
  status: TrackerStatus,
): void {
  if (!state.index.enabled) return;
  const updates: Parameters<typeof upsertSearchAttributes>[0] = [];
  if (!state.index.ids) {
    updates.push(
      { key: SearchAttribute.projectId, value: request.projectId },
      { key: SearchAttribute.serverId, value: request.serverId },
      { key: SearchAttribute.exportId, value: request.exportId },
    );
  }
  if (state.index.status !== status) updates.push({ key: SearchAttribute.status, value: status });
  const percent =
    status === 'completed'
      ? 100
      : state.percentage === null
        ? null
        : Math.floor(state.percentage / PERCENT_STEP) * PERCENT_STEP;
  if (percent !== null && state.index.percent !== percent)
    updates.push({ key: SearchAttribute.percent, value: percent });
  if (updates.length === 0) return;
  upsertSearchAttributes(updates);
  state.index = {
    enabled: true,
    ids: true,
    status,
    ...(percent !== null
      ? { percent }
      : state.index.percent !== undefined
        ? { percent: state.index.percent }
        : {}),
  };
}
