/**
 * The two baselines the benchmark compares our tracker with, written as teams commonly write them.
 * Not part of the product: bundled only by the benchmark's worker.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { BaselineActivities, BaselineInput, BaselineResult } from './activities.js';

/** A loop of one status activity and a fixed timer, with the SDK's default retry policy. */
export async function fixedIntervalTracker(input: BaselineInput): Promise<BaselineResult> {
  const { checkExport } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '30s' });
  for (;;) {
    const phase = await checkExport(input);
    if (phase !== 'running') return { phase };
    await sleep(input.intervalMs);
  }
}

/**
 * Temporal's "infrequent polling" pattern: one activity that fails while the export runs, and a
 * retry policy with a constant interval doing the waiting.
 */
export async function retryPollingTracker(input: BaselineInput): Promise<BaselineResult> {
  const { awaitExportEnd } = proxyActivities<BaselineActivities>({
    startToCloseTimeout: '30s',
    retry: { initialInterval: input.intervalMs, backoffCoefficient: 1, maximumInterval: input.intervalMs },
  });
  return { phase: await awaitExportEnd(input) };
}
