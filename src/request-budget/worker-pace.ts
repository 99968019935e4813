import { type BacklogReport, PACE_WINDOW_MS } from './contract.js';

/**
 * The turns of a project its workers took in the last few windows, as each reported them while
 * the project's calls waited (`backlog-report.ts`), and its pace holders': window start → worker
 * (or the holders) → turns taken.
 */
export type WorkerPace = ReadonlyMap<number, ReadonlyMap<string, number>>;

/**
 * A window is judged once it closed this long ago: each worker reports it at its first call after
 * the close, which in a backlog comes well within a second; a worker with none by then is taking
 * few turns, and counts as such.
 */
export const PACE_GRACE_MS = 1_000;
/** Windows kept: the one judged, the one being reported, and the one being counted. */
const WINDOWS_KEPT = 3;

export function noWorkerPace(): WorkerPace {
  return new Map();
}

/** A worker's count; one without a count (from a worker of an older build) changes nothing. */
export function afterPaceReport(pace: WorkerPace, report: BacklogReport): WorkerPace {
  const { reporter, window, turns } = report;
  if (reporter === undefined || window === undefined || turns === undefined) return pace;
  return withCount(pace, window, reporter, turns);
}

/**
 * A pace holder took a turn at `at`: the keeper hears of each itself (workers do not count them),
 * and adds them to the window's turns as one more worker's.
 */
export function afterHolderTurn(pace: WorkerPace, at: number): WorkerPace {
  const window = Math.floor(at / PACE_WINDOW_MS) * PACE_WINDOW_MS;
  return withCount(pace, window, HOLDERS, (pace.get(window)?.get(HOLDERS) ?? 0) + 1);
}

const HOLDERS = 'pace holders';

function withCount(pace: WorkerPace, window: number, reporter: string, turns: number): WorkerPace {
  const next = new Map(pace);
  next.set(window, new Map(pace.get(window)).set(reporter, turns));
  const kept = [...next.keys()].sort((a, b) => b - a).slice(0, WINDOWS_KEPT);
  for (const start of next.keys()) if (!kept.includes(start)) next.delete(start);
  return next;
}

/**
 * Turns a second the workers took in the last window that closed `PACE_GRACE_MS` or more before
 * `now`, when it began at `since` or later and some worker reported it; otherwise undefined.
 * Every worker's count of the window is added: each turn counted once, whichever took it.
 */
export function workerTurnsPerSecond(pace: WorkerPace, now: number, since: number): number | undefined {
  const window = Math.floor((now - PACE_GRACE_MS) / PACE_WINDOW_MS) * PACE_WINDOW_MS - PACE_WINDOW_MS;
  const counts = pace.get(window);
  if (window < since || counts === undefined) return undefined;
  let turns = 0;
  for (const counted of counts.values()) turns += counted;
  return turns / (PACE_WINDOW_MS / 1000);
}
