import {
  type ExportRef,
  logExportWorkflowId,
  MIN_POLL_INTERVAL_MS,
  WorkflowType,
} from '../src/contract/index.js';

export const STRATEGIES = ['fixed', 'retry', 'ours'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Intervals at time scale 1; every one is multiplied by the scale. */
export const FIXED_INTERVAL_MS = 5_000;
/**
 * Ours: a call budget of one poll per 7.5 s (five minIntervals), polls 1.5 s apart around the end,
 * and an end no reading foretells seen within 30 s (a third of maxInterval).
 */
export const OURS_POLICY_MS = { min: 1_500, max: 90_000 };

/** How each strategy's workflow is started for one export. */
export function workflowStart(
  strategy: Strategy,
  { projectId, serverId, exportId }: ExportRef,
  scale: number,
) {
  const ref = { projectId, serverId, exportId };
  const workflowId = `${strategy}:${logExportWorkflowId(ref)}`;
  if (strategy === 'ours') {
    return {
      workflowType: WorkflowType.TrackLogExport,
      workflowId,
      args: [
        {
          ...ref,
          policy: {
            minInterval: `${scaledInterval(OURS_POLICY_MS.min, scale)}ms`,
            maxInterval: `${scaledInterval(OURS_POLICY_MS.max, scale)}ms`,
            timeout: '6h',
          },
        },
      ],
    };
  }
  return {
    workflowType: strategy === 'fixed' ? 'fixedIntervalTracker' : 'retryPollingTracker',
    workflowId,
    args: [{ ...ref, intervalMs: Math.round(FIXED_INTERVAL_MS * scale) }],
  };
}

/** A policy interval at `scale`, never below what the tracker accepts (short smoke runs scale far down). */
function scaledInterval(ms: number, scale: number): number {
  return Math.max(MIN_POLL_INTERVAL_MS, Math.round(ms * scale));
}
