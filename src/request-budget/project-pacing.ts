import {
  type ActivityQueue,
  applyDefaultQuota,
  QueueRateLimitsUnsupported,
  readActivityPartitions,
} from './task-queue-config.js';

/**
 * Who paces each project's requests: Temporal's matching service (one budget for every worker of
 * the deployment), or, where the server cannot, each worker for itself.
 */
export type ProjectPacing = 'temporal' | 'worker';

/**
 * Sets the per-project quota on the activity task queue (idempotent) and says who paces. A server
 * that cannot hold per-key limits, or holds them in several partitions (where a project's busiest
 * second can pass its quota), is told about in one log line, with what to change.
 */
export async function setUpProjectPacing(
  queue: ActivityQueue,
  quotaPerSecond: number,
  warn: (message: string) => void,
): Promise<ProjectPacing> {
  try {
    await applyDefaultQuota(queue, quotaPerSecond);
    await warnOfPartitions(queue, quotaPerSecond, warn);
    return 'temporal';
  } catch (err) {
    if (!(err instanceof QueueRateLimitsUnsupported)) throw err;
    warn(
      `Per-project rate limits fall back to this worker alone (${quotaPerSecond}/s per project for this process; with several workers, divide CLOUDDC_RATE_LIMIT by their number): ${err.message}`,
    );
    return 'worker';
  }
}

/**
 * Measured with three workers and 90 eager trackers at a quota of 5 (`npm run bench:cluster-budget`,
 * docs/rate-limits.md): a busiest second of 5 on one partition; up to 7 on a stock dev server's
 * four (and 8 in the runs that opened issue 27).
 */
async function warnOfPartitions(
  queue: ActivityQueue,
  quotaPerSecond: number,
  warn: (message: string) => void,
): Promise<void> {
  const partitions = await readActivityPartitions(queue).catch(() => undefined);
  if (partitions === undefined) {
    warn(
      `Could not learn how many partitions the task queue ${queue.taskQueue} has: the per-project limit of ${quotaPerSecond}/s holds only with one (see docs/rate-limits.md)`,
    );
  } else if (partitions > 1) {
    warn(
      `The activity task queue ${queue.taskQueue} has ${partitions} partitions: each keeps its own share of every project's limit and they fill unevenly, ` +
        `so a project's busiest second may pass CLOUDDC_RATE_LIMIT (${quotaPerSecond}/s; 8 against 5 measured on a stock dev server). ` +
        `Give this task queue one partition: dynamic config matching.numTaskqueueReadPartitions and matching.numTaskqueueWritePartitions = 1 for it ` +
        '(deploy/dynamicconfig.yaml on a cluster; `temporal server start-dev --dynamic-config-value matching.numTaskqueueReadPartitions=1 --dynamic-config-value matching.numTaskqueueWritePartitions=1` locally)',
    );
  }
}
