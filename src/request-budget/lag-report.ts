import { BASE_ROOM_MS } from './arrival-room.js';
import { type LagReport, laggedSignal } from './contract.js';
import { signalKeeper } from './keeper-signal.js';

/**
 * A worker tells a project's keeper of its lag at most this often: one report is all the keeper
 * needs (it remembers a lag for a minute), and hundreds of calls may see the same lag at once.
 */
const LAG_REPORT_EVERY_MS = 5_000;

/** How often the event loop's lateness is sampled, and how long the worst sample is remembered. */
const TICK_MS = 10;
const WINDOW_MS = 5_000;

/**
 * How late this worker's event loop has run lately: the worst lateness of a 10 ms timer over the
 * last five seconds. A call dispatched while the loop is held up is sent when it frees, together
 * with the others dispatched meanwhile, so this is by how much arrivals at the gateway can bunch.
 * Hand-written because Node 20's `monitorEventLoopDelay` reported 34 ms for a loop held for 300 ms
 * (measured); a timer's own lateness reports the 300 ms.
 */
export function eventLoopLateness(): { worstMs: () => number; stop: () => void } {
  let last = performance.now();
  const seconds: number[] = [0];
  let secondStartedAt = last;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - secondStartedAt >= 1_000) {
      seconds.push(0);
      if (seconds.length > WINDOW_MS / 1_000) seconds.shift();
      secondStartedAt = now;
    }
    seconds[seconds.length - 1] = Math.max(seconds[seconds.length - 1] as number, now - last - TICK_MS);
    last = now;
  }, TICK_MS);
  timer.unref();
  return { worstMs: () => Math.max(...seconds), stop: () => clearInterval(timer) };
}

/**
 * Tells the keeper of each project this worker calls, from within one of its calls, when the
 * worker's event loop ran later than the room the project's rates leave for arrivals that vary
 * (`arrival-room.ts`): the keeper widens the room and lowers the rates. Best effort, never awaited.
 */
export function lagReporter(
  given?: { worstMs: () => number },
  report: (report: LagReport) => void = (r) => void signalKeeper(r.projectId, laggedSignal, r, 'a lag'),
): (projectId: string) => void {
  const lastToldAt = new Map<string, number>();
  // Timed from the first call on: the worker's start-up (bundling its workflows, say) holds the
  // loop for seconds before any call is dispatched, which no request ever waited for.
  let lateness = given;
  return (projectId) => {
    lateness ??= eventLoopLateness();
    const now = Date.now();
    if (now - (lastToldAt.get(projectId) ?? Number.NEGATIVE_INFINITY) < LAG_REPORT_EVERY_MS) return;
    const lagMs = lateness.worstMs();
    if (lagMs <= BASE_ROOM_MS) return;
    lastToldAt.set(projectId, now);
    report({ projectId, lagMs: Math.round(lagMs), at: now });
  };
}
