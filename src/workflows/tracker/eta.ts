/** One reading of the export's progress: when, and how far. */
export interface ProgressSample {
  at: number;
  percentage: number;
  /** The poll before, which still read less: the percentage was reached between the two. */
  after?: number;
}

/** Readings kept for the estimate: recent enough to follow a change of pace. */
export const SAMPLES_KEPT = 12;
/** Readings that place the line: the latest, so a stall or a jump moves it at once. */
const PLACING_SAMPLES = 2;

/** The largest time a JavaScript Date can hold. */
const LATEST_DATE_MS = 8.64e15;

/**
 * When the export should reach 100 % (epoch ms), from its recent readings, or null when they show
 * no progress: the figure shown to people as `eta`. The polling policy reasons from the bounds of
 * the readings instead (`completion-window.ts`). The pace is the median of the slopes between
 * consecutive readings, so one jump or one stall barely moves it and progress resuming after a
 * stall counts at once; the line goes through the latest readings at that pace, including
 * `latest`, the newest poll even when it did not move, so each poll finding an export stalled
 * pushes the estimate out.
 */
export function estimateCompletion(
  samples: readonly ProgressSample[],
  latest?: ProgressSample,
): number | null {
  const line = fitLine(samples, latest);
  if (line === null) return null;
  const at = (100 - line.intercept) / line.slope;
  // A pace too slow to mean anything (tiny or rounding-level changes) has no end a Date can hold.
  if (!Number.isFinite(at) || Math.abs(at) > LATEST_DATE_MS) return null;
  return Math.round(at);
}

/**
 * Records a reading that moved, keeping the last SAMPLES_KEPT. Repeats of the same percentage are
 * left out: polls bunch up right after a change, and their flat pairs would drown a stepwise
 * export's real pace; a stall shows instead as an estimate that falls overdue.
 */
export function withSample(samples: readonly ProgressSample[], sample: ProgressSample): ProgressSample[] {
  const previous = samples[samples.length - 1];
  if (previous && previous.percentage === sample.percentage) return [...samples];
  return [...samples, sample].slice(-SAMPLES_KEPT);
}

function fitLine(
  points: readonly ProgressSample[],
  latest?: ProgressSample,
): { slope: number; intercept: number } | null {
  const slopes: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as ProgressSample;
    const b = points[i] as ProgressSample;
    if (b.at !== a.at) slopes.push((b.percentage - a.percentage) / (b.at - a.at));
  }
  const slope = median(slopes);
  if (slope === null || slope <= 0) return null;
  const last = points[points.length - 1] as ProgressSample;
  const placingPoints = latest && latest.at > last.at ? [last, latest] : points.slice(-PLACING_SAMPLES);
  const placing = placingPoints.map((p) => p.percentage - slope * p.at);
  return { slope, intercept: median(placing) as number };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
