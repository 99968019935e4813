/** One reading of the export's progress: when, and how far. */
export interface ProgressSample {
  at: number;
  percentage: number;
}

/** Readings kept for the estimate: recent enough to follow a change of pace. */
export const SAMPLES_KEPT = 12;

/**
 * When the export should reach 100 %, from its recent readings, or null when they show no
 * progress. Theil–Sen: the median of the slopes between every pair of readings and the median
 * intercept, so a single jump, a short stall or a noisy reading barely moves the estimate.
 */
export function estimateCompletion(samples: readonly ProgressSample[]): number | null {
  const slopes: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    for (let j = i + 1; j < samples.length; j++) {
      const a = samples[i] as ProgressSample;
      const b = samples[j] as ProgressSample;
      if (b.at !== a.at) slopes.push((b.percentage - a.percentage) / (b.at - a.at));
    }
  }
  const slope = median(slopes);
  if (slope === null || slope <= 0) return null;
  const intercept = median(samples.map((s) => s.percentage - slope * s.at));
  return intercept === null ? null : Math.round((100 - intercept) / slope);
}

/** Appends a reading, keeping the last SAMPLES_KEPT. */
export function withSample(samples: readonly ProgressSample[], sample: ProgressSample): ProgressSample[] {
  return [...samples, sample].slice(-SAMPLES_KEPT);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
