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
  let wake = () => {};
  const refresh = async () => {
    while (!stopped) {
      try {
        const progress = await handle.query(getProgressQuery);
        bar?.update(Math.floor(progress.percentage ?? 0), progressPayload(label, progress));
      } catch {
        // A query can fail while no worker is polling; the bar just keeps its last state.
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, REFRESH_MS);
      });
    }
  };
  const refreshing = bar ? refresh() : Promise.resolve();
  const outcome: TrackerOutcome = await handle.result().then(
    (result) => ({ ok: true, result }),
    (err: unknown) => describeFailure(err),
  );
  // Stopped before the last redraw, so no refresh in flight paints over the final row.
  stopped = true;
  wake();
  await refreshing;
  if (bar) {
    if (outcome.ok) {
      bar.update(
        Math.floor(outcome.result.percentage),
        finalPayload(label, outcome.result.status, outcome.result.polls),
      );
    } else {
      // The run has ended; its last state still answers the query (the worker reads its history).
      const last = await handle.query(getProgressQuery).catch(() => undefined);
      const state = last?.status ? `${last.status} | ${outcome.type}` : outcome.type;
      bar.update(Math.floor(last?.percentage ?? 0), finalPayload(label, state, last?.polls ?? 0));
    }
  }
  return outcome;
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
