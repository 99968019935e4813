import type { temporal } from '@temporalio/proto';
import { applyDefaultQuota, QueueRateLimitsUnsupported } from './task-queue-config.js';

/**
 * Who paces each project's requests: Temporal's matching service (one budget for every worker of
 * the deployment), or, where the server cannot, each worker for itself.
 */
export type ProjectPacing = 'temporal' | 'worker';

/**
 * Sets the per-project quota on the activity task queue (idempotent) and says who paces. A server
 * that cannot hold per-key limits is told about in one log line, with what to enable.
 */
export async function setUpProjectPacing(
  queue: { service: temporal.api.workflowservice.v1.WorkflowService; namespace: string; taskQueue: string },
  quotaPerSecond: number,
  warn: (message: string) => void,
): Promise<ProjectPacing> {
  try {
    await applyDefaultQuota(queue, quotaPerSecond);
    return 'temporal';
  } catch (err) {
    if (!(err instanceof QueueRateLimitsUnsupported)) throw err;
    warn(
      `Per-project rate limits fall back to this worker alone (${quotaPerSecond}/s per project for this process; with several workers, divide CLOUDDC_RATE_LIMIT by their number): ${err.message}`,
    );
    return 'worker';
  }
}
