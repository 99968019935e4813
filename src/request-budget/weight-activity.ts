import { Context } from '@temporalio/activity';
import { dispatchRateForQuota, type ProjectWeightChange } from '../contract/index.js';
import { readQueueRateLimits, setProjectWeight } from './task-queue-config.js';

/**
 * Writes a project's rate to the activity task queue as the weight of its fairness key: its
 * quota (its own, or the queue's default) times the share the budget keeper allows, relative to
 * the default. The keeper runs on the same task queue as the activities it paces.
 */
export async function applyProjectWeightActivity(
  change: ProjectWeightChange,
): Promise<{ defaultQuota: number | null; weight: number }> {
  const context = Context.current();
  const queue = {
    service: context.client.workflowService,
    namespace: context.info.namespace,
    taskQueue: context.info.taskQueue,
  };
  const { defaultQuota } = await readQueueRateLimits(queue);
  // Without a default the server paces nothing (the workers' own limiters do): nothing to scale.
  if (defaultQuota === null) return { defaultQuota, weight: 1 };
  const quota = change.quota ?? defaultQuota;
  // A wider room for arrivals that vary lowers the rate by as much as it lowers the formula's.
  const roomFactor =
    change.roomS === undefined ? 1 : dispatchRateForQuota(quota, change.roomS) / dispatchRateForQuota(quota);
  const weight = (quota / defaultQuota) * change.share * roomFactor;
  await setProjectWeight(queue, change.fairnessKey, weight);
  context.log.info("Project's rate set on the task queue", {
    fairnessKey: change.fairnessKey,
    dispatchesPerSecond: dispatchRateForQuota(defaultQuota) * weight,
    ...(change.roomS !== undefined ? { arrivalRoomS: change.roomS } : {}),
    weight,
  });
  return { defaultQuota, weight };
}
