import { type Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import type cliProgress from 'cli-progress';
import type {
  CollectionHandle,
  FleetCollectionHandle,
  ProjectsCollectionHandle,
} from '../client/collection.js';
import type { TrackerHandle } from '../client/tracking.js';
import {
  type CollectFleetLogsResult,
  type CollectProjectsLogsResult,
  type CollectServerLogsResult,
  type FleetProgress,
  getCollectionProgressQuery,
  getFleetProgressQuery,
  getProgressQuery,
  getProjectsProgressQuery,
  type LogExportResult,
  type ProjectProgress,
  readFleetResult,
} from '../contract/index.js';
import { FLEET_BAR_FORMAT, finalPayload, progressPayload } from './progress-view.js';

/** How a workflow ended, as the CLI reports it. */
export type Outcome<T> =
  | { ok: true; result: T }
  | { ok: false; type: string; message: string; failure: unknown };
export type TrackerOutcome = Outcome<LogExportResult>;

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
  const refreshing = bar
    ? refreshEvery(async () => {
        const progress = await handle.query(getProgressQuery);
        bar.update(Math.floor(progress.percentage ?? 0), progressPayload(label, progress));
      })
    : undefined;
  const outcome = await outcomeOf(handle.result());
  // Stopped before the last redraw, so no refresh in flight paints over the final row.
  await refreshing?.stop();
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
export function describeFailure(err: unknown): Extract<Outcome<never>, { ok: false }> {
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

/** The result, or the failure the workflow ended with. */
export function outcomeOf<T>(result: Promise<T>): Promise<Outcome<T>> {
  return result.then(
    (value): Outcome<T> => ({ ok: true, result: value }),
    (err: unknown) => describeFailure(err),
  );
}

/**
 * Waits for a server collection, its bar showing the phase and, while the export is tracked, the
 * tracker's own progress (asked of the tracker, a child workflow named in the collection's answer).
 */
export async function watchCollection(
  client: Client,
  handle: CollectionHandle,
  label: string,
  bars: cliProgress.MultiBar | undefined,
): Promise<Outcome<CollectServerLogsResult>> {
  const bar = bars?.create(100, 0, { label, state: 'requesting', polls: 0, next: '' });
  const refreshing = bar
    ? refreshEvery(async () => {
        const phase = await handle.query(getCollectionProgressQuery);
        if (phase.phase === 'tracking' && phase.trackerWorkflowId) {
          const p = await client.workflow.getHandle(phase.trackerWorkflowId).query(getProgressQuery);
          bar.update(Math.floor(p.percentage ?? 0), {
            ...progressPayload(label, p),
            state: `export ${phase.exportId}: ${p.lastError ? 'retrying' : (p.status ?? 'waiting')}`,
          });
        } else
          bar.update(phase.phase === 'requesting' ? 0 : 100, {
            label,
            state: phase.phase,
            polls: 0,
            next: '',
          });
      })
    : undefined;
  const outcome = await outcomeOf(handle.result());
  await refreshing?.stop();
  if (outcome.ok) bar?.update(100, finalPayload(label, 'archive downloaded', outcome.result.polls));
  else bar?.update(finalPayload(label, outcome.type, 0));
  return outcome;
}

/** Waits for a fleet collection, its bar counting servers done (collected or failed) of all listed. */
export async function watchFleet(
  handle: FleetCollectionHandle,
  label: string,
  bars: cliProgress.MultiBar | undefined,
): Promise<Outcome<CollectFleetLogsResult>> {
  const bar = bars?.create(1, 0, { label, state: 'listing servers' }, { format: FLEET_BAR_FORMAT });
  const refreshing = bar
    ? refreshEvery(async () => {
        const p = await handle.query(getFleetProgressQuery);
        if (!p.listed) return;
        bar.setTotal(Math.max(1, p.total));
        bar.update(p.succeeded + p.failed, {
          label,
          state: `${p.running} running, ${p.pending} waiting, ${p.failed} failed`,
        });
      })
    : undefined;
  const outcome = await outcomeOf(handle.result());
  await refreshing?.stop();
  if (outcome.ok) {
    const { servers, succeeded, failed } = readFleetResult(outcome.result).result;
    bar?.setTotal(Math.max(1, servers));
    bar?.update(servers, { label, state: `${succeeded} collected, ${failed} failed` });
  } else bar?.update({ label, state: outcome.type });
  return outcome;
}

/**
 * Waits for a multi-project collection, a bar per project counting its servers done: the
 * collection says which projects run and under which fleet, each running fleet its own counts.
 */
export async function watchProjects(
  client: Client,
  handle: ProjectsCollectionHandle,
  bars: cliProgress.MultiBar | undefined,
): Promise<Outcome<CollectProjectsLogsResult>> {
  const projectBars = new Map<string, cliProgress.SingleBar>();
  const barOf = (projectId: string) => {
    let bar = projectBars.get(projectId);
    if (!bar && bars) {
      bar = bars.create(1, 0, { label: projectId, state: 'listing servers' }, { format: FLEET_BAR_FORMAT });
      projectBars.set(projectId, bar);
    }
    return bar;
  };
  const refreshing = bars
    ? refreshEvery(async () => {
        const { projects } = await handle.query(getProjectsProgressQuery);
        await Promise.all(
          projects.map(async (project) => {
            const bar = barOf(project.projectId);
            const live =
              project.state === 'running'
                ? await client.workflow
                    .getHandle(project.fleetWorkflowId)
                    .query(getFleetProgressQuery)
                    .catch(() => undefined)
                : undefined;
            if (bar) showProject(bar, project, live);
          }),
        );
      })
    : undefined;
  const outcome = await outcomeOf(handle.result());
  await refreshing?.stop();
  if (outcome.ok)
    for (const p of outcome.result.projects) {
      const bar = barOf(p.projectId);
      bar?.setTotal(Math.max(1, p.servers));
      bar?.update(p.servers, {
        label: p.projectId,
        state: p.failure ? `failed: ${p.failure.type}` : `${p.succeeded} collected, ${p.failed} failed`,
      });
    }
  return outcome;
}

function showProject(bar: cliProgress.SingleBar, project: ProjectProgress, live: FleetProgress | undefined) {
  const label = project.projectId;
  if (project.summary) {
    const { servers, succeeded, failed } = project.summary;
    bar.setTotal(Math.max(1, servers));
    bar.update(servers, { label, state: `${succeeded} collected, ${failed} failed` });
  } else if (project.failure) bar.update({ label, state: `failed: ${project.failure.type}` });
  else if (live?.listed) {
    bar.setTotal(Math.max(1, live.total));
    bar.update(live.succeeded + live.failed, {
      label,
      state: `${live.running} running, ${live.pending} waiting, ${live.failed} failed`,
    });
  }
}

/**
 * Runs `refresh` about once a second until stopped. A refresh that fails (no worker polling yet,
 * the run just ended) is skipped; the bar keeps its last state.
 */
function refreshEvery(refresh: () => Promise<void>): { stop(): Promise<void> } {
  let stopped = false;
  let wake = () => {};
  const loop = (async () => {
    while (!stopped) {
      await refresh().catch(() => undefined);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, REFRESH_MS);
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
    },
  };
}
