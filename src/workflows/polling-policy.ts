import type { PollingPolicy } from '../contract/index.js';

/** What the delay policy looks at. */
export interface PollingObservation {
  /** Polls in a row whose percentage did not change (0 right after a change). */
  unchangedPolls: number;
  /** Time until the estimated completion, when the readings give one and it lies ahead. */
  msToEta?: number | null;
}

/** Growth of the interval per unchanged poll. */
const BACKOFF_FACTOR = 1.5;
/** Up to this share of the interval is taken off at random, so trackers started together drift apart. */
const JITTER_SHARE = 0.2;

/**
 * The delay before the next status poll, always within [minInterval, maxInterval] and jittered
 * downwards so trackers started together drift apart. With an estimated completion ahead, half
 * the time left: few polls while the export is far from done, close together as it nears the
 * end, so completion is noticed soon after it happens. Without one (no progress yet, or overdue):
 * `minInterval` right after progress, widening geometrically while nothing changes. Pure:
 * `random` is the workflow's deterministic `Math.random`.
 */
export function nextPollDelay(
  policy: Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>,
  observation: PollingObservation,
  random: () => number,
): number {
  const { minIntervalMs, maxIntervalMs } = policy;
  const steps = Math.max(0, observation.unchangedPolls);
  const widened =
    observation.msToEta && observation.msToEta > 0
      ? Math.min(maxIntervalMs, observation.msToEta / 2)
      : Math.min(maxIntervalMs, minIntervalMs * BACKOFF_FACTOR ** steps);
  const jittered = widened * (1 - JITTER_SHARE * random());
  return Math.round(Math.min(maxIntervalMs, Math.max(minIntervalMs, jittered)));
}
