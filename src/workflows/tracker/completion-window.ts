import type { ProgressSample } from './eta.js';

/** One poll's reading of the percentage. */
export type Reading = Pick<ProgressSample, 'at' | 'percentage'>;

/**
 * Where the end can fall while the export keeps its current pace, in epoch milliseconds of the
 * workflow clock: from the soonest (at the fastest pace the readings allow) to the latest (at the
 * slowest; infinite if they allow no progress at all).
 */
export interface CompletionWindow {
  soonest: number;
  latest: number;
  /** The first reading at the current pace. */
  since: number;
}

/**
 * The readings the state still knows: each moved reading, the poll just before it (which still read
 * the value before), and the latest poll.
 */
export function knownReadings(samples: readonly ProgressSample[], latest?: Reading): Reading[] {
  const readings: Reading[] = [];
  samples.forEach((sample, i) => {
    const before = samples[i - 1];
    const last = readings[readings.length - 1];
    if (before && sample.after !== undefined && sample.after > (last?.at ?? Number.NEGATIVE_INFINITY)) {
      readings.push({ at: sample.after, percentage: before.percentage });
    }
    readings.push({ at: sample.at, percentage: sample.percentage });
  });
  const last = readings[readings.length - 1];
  if (latest && last && latest.at > last.at) readings.push(latest);
  return readings;
}

/**
 * Reasons from what a reading is: the export's true progress rounded down to the API's step, give
 * or take the reading error (the largest fall seen). Any two readings then bound the pace between
 * them, and the paces all recent readings allow bound the end. When no pace fits them all, the pace
 * changed: the oldest readings are dropped until the rest keep one.
 *
 * The step is not known, so the window covers two readings of it: smooth (a point at a time, so a
 * hold followed by a rise is a change of pace), and stepwise (the smallest step that lets the
 * readings keep one pace, at least the jumps they have shown and at most the smallest rise, which
 * a whole-point reading of a jump can understate by one).
 *
 * Null when the readings foretell nothing: before they move, while they hold still, and right after
 * a change of pace that did not speed the export up.
 */
export function completionWindow(readings: readonly Reading[]): CompletionWindow | null {
  const moves = movesOf(readings);
  const error = Math.max(0, ...moves.map((m) => -m));
  const rises = moves.filter((m) => m > 0);
  if (rises.length === 0) return null;
  // A rise within the error either way may be the error alone: it says nothing of the jumps.
  const telling = rises.filter((m) => m > 2 * error);
  const largestStep = Math.min(...(telling.length > 0 ? telling : rises)) + 1;
  const smooth = windowAtPace(readings, error, () => [1, 2]);
  const stepwise = windowAtPace(readings, error, (first) => {
    // A rise after a reading that held still (within the error) is a jump: steps are no smaller.
    const held = (i: number) => i > first && Math.abs(moves[i - 1] as number) <= 2 * error;
    const jumps = moves.filter((m, i) => i >= first && m > 2 * error && held(i));
    return [jumps.length > 0 ? Math.min(largestStep, ...jumps) : 1, largestStep];
  });
  if (!smooth || !stepwise) return smooth ?? stepwise;
  return {
    soonest: Math.min(smooth.soonest, stepwise.soonest),
    latest: Math.max(smooth.latest, stepwise.latest),
    since: Math.max(smooth.since, stepwise.since),
  };
}

/** The window at the current pace, reading steps within `steps(first)` for readings from `first` on. */
function windowAtPace(
  readings: readonly Reading[],
  error: number,
  steps: (first: number) => [number, number],
): CompletionWindow | null {
  for (let first = 0; first < readings.length - 1; first++) {
    const step = fittingStep(readings.slice(first), error, ...steps(first));
    if (step === null) continue;
    // The pace changed after readings[first - 1]; the pair straddling the change mixes both paces.
    const segment = first === 0 ? readings : readings.slice(first + 1);
    if (segment.length < 2) return spedUp(readings.slice(first - 1, first + 2), error, step);
    const from = segment[0] as Reading;
    const now = segment[segment.length - 1] as Reading;
    if (now.percentage - from.percentage <= error) return null;
    const { slowest, fastest } = paceBounds(segment, step + 2 * error) as PaceBounds;
    let soonest = Number.NEGATIVE_INFINITY;
    let latest = Number.POSITIVE_INFINITY;
    for (const r of segment) {
      soonest = Math.max(soonest, r.at + Math.max(0, 100 - r.percentage - step - error) / fastest);
      if (slowest > 0) latest = Math.min(latest, r.at + (100 - r.percentage + error) / slowest);
    }
    return { soonest, latest: Math.max(soonest, latest), since: from.at };
  }
  return null;
}

/**
 * Right after a change of pace, seen in the last of `three` readings: if the export moved faster
 * between the last two than the pace before allows, it sped up and keeps at least that pace, so it
 * can end at any moment up to the end that pace brings. A slowdown bounds nothing.
 */
function spedUp(three: readonly Reading[], error: number, step: number): CompletionWindow | null {
  const [before, last, now] = three as [Reading, Reading, Reading];
  const slack = step + 2 * error;
  const oldFastest = paceBounds([before, last], slack)?.fastest ?? Number.POSITIVE_INFINITY;
  const least = (now.percentage - last.percentage - slack) / (now.at - last.at);
  if (least <= oldFastest) return null;
  return { soonest: now.at, latest: now.at + (100 - now.percentage + error) / least, since: now.at };
}

/**
 * The smallest whole step from `smallest` to `largest` at which the readings keep one pace, or null.
 * A larger step only widens the paces allowed, so the first that fits is found by bisection.
 */
function fittingStep(readings: readonly Reading[], error: number, smallest: number, largest: number) {
  const fits = (step: number) => paceBounds(readings, step + 2 * error) !== null;
  if (!fits(largest)) return null;
  let low = Math.ceil(smallest);
  let high = largest;
  while (high - low >= 1) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) high = mid;
    else low = mid + 1;
  }
  return high;
}

interface PaceBounds {
  slowest: number;
  fastest: number;
}

/** The paces (points per ms) every pair of readings allows: at least `slowest`, at most `fastest`. */
function pairwisePaces(readings: readonly Reading[], slack: number): PaceBounds {
  let slowest = 0;
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < readings.length; i++) {
    for (let j = i + 1; j < readings.length; j++) {
      const a = readings[i] as Reading;
      const b = readings[j] as Reading;
      const span = b.at - a.at;
      if (span <= 0) continue;
      const moved = b.percentage - a.percentage;
      slowest = Math.max(slowest, (moved - slack) / span);
      fastest = Math.min(fastest, (moved + slack) / span);
    }
  }
  return { slowest, fastest };
}

/** The paces every pair of readings allows, or null if none fits them all. */
function paceBounds(segment: readonly Reading[], slack: number): PaceBounds | null {
  const pace = pairwisePaces(segment, slack);
  return pace.fastest > 0 && pace.slowest <= pace.fastest && Number.isFinite(pace.fastest) ? pace : null;
}

/** The rise between each reading and the next. */
function movesOf(readings: readonly Reading[]): number[] {
  return readings.slice(1).map((r, i) => r.percentage - (readings[i] as Reading).percentage);
}

/**
 * While the readings foretell nothing: how long after the latest reading the export could end if
 * it went back to the fastest pace it surely kept between two recent readings (the slowest that
 * pair allows); null before it has shown one.
 */
export function endAtPaceShown(readings: readonly Reading[]): number | null {
  const error = Math.max(0, ...movesOf(readings).map((m) => -m));
  const shown = pairwisePaces(readings, 1 + 2 * error).slowest;
  const now = readings[readings.length - 1];
  return now && shown > 0 ? (100 - now.percentage) / shown : null;
}
