import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import type cliProgress from 'cli-progress';
import type { TrackerHandle } from '../client/tracking.js';
import { getProgressQuery, type LogExportResult } from '../contract/index.js';
import { finalPayload, progressPayload } from './progress-view.js';

/** How a tracker ended, as the CLI reports it. */
export type TrackerOutcome =
  | { ok: true; result: LogExportResult }
  | { ok: false; type: string; message: string; failure: unknown };

const REFRESH_MS = 1_000;

/**
 * Waits for a tracker's result, redrawing its bar in `bars` (when given) from `getProgress` once a
 * second. The query is answered by the worker from workflow state: it calls no API and costs no
 * billed action.
 */
export async function watchTracker(
  handle: TrackerHandle,
  label: string,
  bars: cliProgress.MultiBar | undefined,
): Promise<TrackerOutcome> {
  const bar = bars?.create(100, 0, { label, state: 'starting', polls: 0, next: '' });
  let stopped = false;
  const refresh = async () => {
    while (!stopped) {
      try {
        const progress = await handle.query(getProgressQuery);
        bar?.update(Math.floor(progress.percentage ?? 0), progressPayload(label, progress));
      } catch {
        // A query can fail while no worker is polling; the bar just keeps its last state.
      }
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
    }
  };
  const refreshing = bar ? refresh() : Promise.resolve();
  try {
    const result = await handle.result();
    bar?.update(Math.floor(result.percentage), finalPayload(label, result.status, result.polls));
    return { ok: true, result };
  } catch (err) {
    const outcome = describeFailure(err);
    bar?.update(finalPayload(label, outcome.type, 0));
    return outcome;
  } finally {
    stopped = true;
    await refreshing;
  }
}

/** The failure type and message a workflow ended with. */
export function describeFailure(err: unknown): Extract<TrackerOutcome, { ok: false }> {
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { ok: false, type: cause.type ?? 'ApplicationFailure', message: cause.message, failure: cause };
  }
  if (cause instanceof CancelledFailure)
    return { ok: false, type: 'Cancelled', message: 'tracking was cancelled', failure: cause };
  if (cause instanceof TerminatedFailure)
    return { ok: false, type: 'Terminated', message: cause.message, failure: cause };
  if (cause instanceof TimeoutFailure)
    return { ok: false, type: 'WorkflowTimedOut', message: cause.message, failure: cause };
  return {
    ok: false,
    type: (cause as Error)?.name ?? 'Error',
    message: (cause as Error)?.message ?? String(cause),
    failure: cause,
  };
}
