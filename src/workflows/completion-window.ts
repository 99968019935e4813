import type { ProgressSample } from './eta.js';

/** One poll's reading of the percentage. */
export type Reading = Pick<ProgressSample, 'at' | 'percentage'>;

/**
 * Where the end can fall while the export keeps a steady pace, from what its recent readings allow.
 * Times are epoch milliseconds of the workflow clock.
 */
export type CompletionWindow =
  | {
      kind: 'steady';
      /** The soonest the export can reach 100 % at the fastest pace its readings allow. */
      soonest: number;
      /** The latest, at the slowest pace they allow (infinite if they allow no progress at all). */
      latest: number;
    }
  | {
      /** The pace just changed: only readings after the change can tell the new one. */
      kind: 'changed';
      /** The last reading at the old pace: the change came after it. */
      after: number;
      /** The first reading at the new one. */
      seenAt: number;
      /**
       * The latest the export can end if it sped up and keeps the new pace: the change came after
       * `after`, so the new pace is at least the one between the two readings (infinite otherwise).
       */
      latest: number;
    }
  | {
      kind: 'stalled';
      /** When the readings stopped moving. */
      since: number;
      /** The percentage it holds. */
      percentage: number;
      /** The fastest pace it surely kept before it stalled, in points per millisecond. */
      paceBefore: number;
      /**
       * Whether the readings prove it holds: they never went back, so an unchanged reading is no
       * progress. Readings that do go back may hide slow progress within their error.
       */
      certain: boolean;
    };

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
 * Reasons from what a reading is: the export's true progress rounded down to the API's step (1
 * point, or the size of the jumps a stepwise export makes), give or take the reading error (the
 * largest fall seen). Any two readings then bound
 * the pace between them, and every pace allowed by all recent readings bounds the end. When no
 * steady pace fits them all, the pace changed: the oldest readings are dropped until one does, so
 * the window follows a stall, a speed-up or a slow-down at the next poll. Null until the readings
 * have moved.
 */
export function completionWindow(readings: readonly Reading[]): CompletionWindow | null {
  const moves = readings.slice(1).map((r, i) => r.percentage - (readings[i] as Reading).percentage);
  if (!moves.some((m) => m > 0)) return null;
  const error = Math.max(0, ...moves.map((m) => -m));
  const step = readingStep(
    moves.filter((m) => m > 0),
    error,
  );
  const slack = step + 2 * error;
  const shown = fastestShown(readings, slack);
  for (let first = 0; first < readings.length - 1; first++) {
    if (paceBounds(readings.slice(first), slack) === null) continue;
    // The pace changed after readings[first - 1]; the pair straddling the change mixes both paces.
    const segment = first === 0 ? readings : readings.slice(first + 1);
    const now = readings[readings.length - 1] as Reading;
    // Held still since the first reading at the current value: only polls that moved are kept.
    const heldFrom = segment.length > 1 ? (segment[0] as Reading) : (readings[first] as Reading);
    if (now.percentage - heldFrom.percentage <= error) {
      return shown > 0
        ? {
            kind: 'stalled',
            since: heldFrom.at,
            percentage: now.percentage,
            paceBefore: shown,
            certain: error === 0,
          }
        : null;
    }
    const from = segment[0] as Reading;
    const pace = segment.length > 1 ? paceBounds(segment, slack) : null;
    if (pace === null) {
      const before = readings[first] as Reading;
      // Faster between the two than the pace just before allows: it sped up in between, so its new
      // pace is at least that; a slowdown bounds nothing.
      const oldFastest =
        paceBounds(readings.slice(first - 1, first + 1), slack)?.fastest ?? Number.POSITIVE_INFINITY;
      const least = (from.percentage - before.percentage - slack) / (from.at - before.at);
      const latest =
        least > oldFastest ? from.at + (100 - from.percentage + error) / least : Number.POSITIVE_INFINITY;
      return { kind: 'changed', after: before.at, seenAt: from.at, latest };
    }
    // A slower pace now may be a pause that is over: the end is possible as soon as the export's
    // fastest recent pace would bring it.
    const fastest = Math.max(pace.fastest, shown);
    let soonest = Number.NEGATIVE_INFINITY;
    let latest = Number.POSITIVE_INFINITY;
    for (const r of segment) {
      soonest = Math.max(soonest, r.at + Math.max(0, 100 - r.percentage - step - error) / fastest);
      if (pace.slowest > 0) latest = Math.min(latest, r.at + (100 - r.percentage + error) / pace.slowest);
    }
    return { kind: 'steady', soonest, latest: Math.max(soonest, latest) };
  }
  return null;
}

/** The paces (points per ms) every pair of readings allows, or null if none fits them all. */
function paceBounds(segment: readonly Reading[], slack: number): { slowest: number; fastest: number } | null {
  let slowest = 0;
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < segment.length; i++) {
    for (let j = i + 1; j < segment.length; j++) {
      const a = segment[i] as Reading;
      const b = segment[j] as Reading;
      const span = b.at - a.at;
      if (span <= 0) continue;
      const moved = b.percentage - a.percentage;
      slowest = Math.max(slowest, (moved - slack) / span);
      fastest = Math.min(fastest, (moved + slack) / span);
    }
  }
  return fastest > 0 && slowest <= fastest && Number.isFinite(fastest) ? { slowest, fastest } : null;
}

/** The fastest pace (points per ms) the export surely kept between two of its recent readings. */
function fastestShown(readings: readonly Reading[], slack: number): number {
  let fastest = 0;
  for (let i = 0; i < readings.length; i++) {
    for (let j = i + 1; j < readings.length; j++) {
      const a = readings[i] as Reading;
      const b = readings[j] as Reading;
      if (b.at > a.at) fastest = Math.max(fastest, (b.percentage - a.percentage - slack) / (b.at - a.at));
    }
  }
  return fastest;
}

/**
 * How coarse the readings are: the smallest rise seen. An export that has only ever risen by 25 may
 * move in jumps of 25, and assuming finer readings would put its last jump outside the window; a
 * smooth export soon shows a small rise once it is polled closely, near its end. A rise no larger
 * than the readings' error either way (twice `error`) may be that error alone, so it says nothing
 * of the jumps while larger ones are seen. Readings are whole points, so jumps of 4.8 read as rises
 * of 4 and 5: a jump can be up to a point more than the smallest rise.
 */
function readingStep(rises: readonly number[], error: number): number {
  const telling = rises.filter((rise) => rise > 2 * error);
  const smallest = Math.max(1, Math.min(...(telling.length > 0 ? telling : rises)));
  return smallest > 1 ? smallest + 1 : smallest;
}
