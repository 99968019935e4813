import { quantile } from './stats.js';

/** How one export was tracked: API calls made, and time from its end to its detection. */
export interface PollOutcome {
  calls: number;
  latencyMs: number;
  /** Time from creation to the export's end. */
  durationMs: number;
}

export interface LatencyFigures {
  callsPerExport: number;
  p50: number;
  p95: number;
  max: number;
}

/**
 * The longest interval at which a fixed poller, polling at creation and then every interval, makes
 * at least `callsPerExport` calls on these exports: it polls at 0, T, 2T…, so an export ending at D
 * costs ceil(D / T) + 1 calls. Calls come in whole numbers, so "as many" is rounded in the fixed
 * poller's favour. Bisection, since calls fall as the interval grows.
 */
export function matchedFixedInterval(durationsMs: readonly number[], callsPerExport: number): number {
  const callsAt = (interval: number) =>
    durationsMs.reduce((sum, d) => sum + Math.ceil(d / interval) + 1, 0) / durationsMs.length;
  let low = 1;
  let high = Math.max(...durationsMs, 1) * 2;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (callsAt(mid) >= callsPerExport) low = mid;
    else high = mid;
  }
  return low;
}

/**
 * The calls per export a fixed poller needs on these exports to be as quick as `p95Ms` at the 95th
 * percentile: the longest interval that gets there (bisection), and its calls.
 */
export function fixedCallsForP95(durationsMs: readonly number[], p95Ms: number): number {
  const at = (interval: number) => latencyFigures(durationsMs.map((d) => fixedPollOutcome(d, interval)));
  let low = 1;
  let high = Math.max(...durationsMs, 1) * 2;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (at(mid).p95 <= p95Ms) low = mid;
    else high = mid;
  }
  return at(low).callsPerExport;
}

/** A fixed poller's outcome on an export ending at `durationMs`, polling from creation. */
export function fixedPollOutcome(durationMs: number, intervalMs: number): PollOutcome {
  const polls = Math.ceil(durationMs / intervalMs);
  return { calls: polls + 1, latencyMs: polls * intervalMs - durationMs, durationMs };
}

export function latencyFigures(outcomes: readonly PollOutcome[]): LatencyFigures {
  const latencies = outcomes.map((o) => o.latencyMs);
  return {
    callsPerExport: outcomes.reduce((sum, o) => sum + o.calls, 0) / Math.max(1, outcomes.length),
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    max: Math.max(0, ...latencies),
  };
}

/** Ours against the fixed poller making as many calls on the same exports. */
export function compareAtEqualCost(ours: readonly PollOutcome[]) {
  const oursFigures = latencyFigures(ours);
  const fixedIntervalMs = matchedFixedInterval(
    ours.map((o) => o.durationMs),
    oursFigures.callsPerExport,
  );
  const durations = ours.map((o) => o.durationMs);
  const fixed = latencyFigures(durations.map((d) => fixedPollOutcome(d, fixedIntervalMs)));
  return {
    ours: oursFigures,
    fixed,
    fixedIntervalMs,
    fixedCallsForOursP95: fixedCallsForP95(durations, oursFigures.p95),
  };
}
