import type { PollingPolicy } from '../contract/index.js';

/** What the delay policy looks at. */
export interface PollingObservation {
  /** Polls in a row whose percentage did not change (0 right after a change). */
  unchangedPolls: number;
  /** Time until the estimated completion (negative once overdue), when the readings give one. */
  msToEta?: number | null;
  /** How far off that estimate may plausibly be. */
  etaUncertaintyMs?: number;
}

/** Growth of the interval per unchanged poll without an estimate. */
const BACKOFF_FACTOR = 1.5;
/** Up to this share of the interval is taken off at random, so trackers started together drift apart. */
const JITTER_SHARE = 0.2;
/** How many uncertainties before the estimate the tracker aims to poll. */
const CONFIDENCE = 2;

/**
 * The delay before the next status poll, always within [minInterval, maxInterval] and jittered
 * downwards so trackers started together drift apart. With an estimated completion ahead, it
 * waits until two uncertainties before it, then halves the time left: few polls while the export
 * is far from done, the shortest interval around the end, so completion is noticed soon after it
 * happens. Once the estimate is overdue, half the time it
 * is overdue by: the interval widens geometrically from when the end was expected, not from the
 * last change, which may be long before. Without an estimate (no progress yet): `minInterval`
 * right after a change, widening geometrically while nothing changes. Pure: `random` is the
 * workflow's deterministic `Math.random`.
 */
export function nextPollDelay(
  policy: Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>,
  observation: PollingObservation,
  random: () => number,
): number {
  const { minIntervalMs, maxIntervalMs } = policy;
  const steps = Math.max(0, observation.unchangedPolls);
  const { msToEta, etaUncertaintyMs = Number.POSITIVE_INFINITY } = observation;
  const widened =
    msToEta === undefined || msToEta === null || !Number.isFinite(msToEta)
      ? minIntervalMs * BACKOFF_FACTOR ** steps
      : msToEta > 0
        ? msToEta > CONFIDENCE * etaUncertaintyMs
          ? msToEta - CONFIDENCE * etaUncertaintyMs
          : msToEta / 2
        : -msToEta / 2;
  const jittered = Math.min(maxIntervalMs, widened) * (1 - JITTER_SHARE * random());
  return Math.round(Math.min(maxIntervalMs, Math.max(minIntervalMs, jittered)));
}
