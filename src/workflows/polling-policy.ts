import type { PollingPolicy } from '../contract/index.js';
import { completionWindow, knownReadings } from './completion-window.js';
import { latestReading, type TrackerState } from './tracker-state.js';

/** What the delay policy looks at, relative to now. */
export interface PollingObservation {
  /** Polls in a row whose percentage did not change (0 right after a change). */
  unchangedPolls: number;
  /** Time since tracking started. */
  msSinceStart?: number;
  /** While the export keeps a steady pace: how soon, and how late, it can end. */
  steady?: { msToSoonest: number; msToLatest: number };
  /** Its pace just changed: how long ago the change was first seen, and how long before that it could have come. */
  changed?: { msSinceSeen: number; msUncertain: number };
  /** While it holds still after moving: for how long, and how long the rest took at its old pace. */
  stalled?: { msStalled: number; msToEndAtPaceBefore: number };
}

/** Growth of the interval per unchanged poll before the readings have moved. */
const BACKOFF_FACTOR = 1.5;
/** Up to this share of the interval is taken off at random, so trackers started together drift apart. */
const JITTER_SHARE = 0.1;
/** Polls spread over the window where the end is possible (fewer when minInterval forbids). */
const WINDOW_POLLS = 6;
/** Polls at least this many times over the soonest the export can take, to see a failure part-way. */
const WATCH_POLLS = 4;
/** In a window with no bound on its far side, polls spread out at this share of the time it has been open. */
const OPEN_SHARE = 0.5;
/** A stalled export may resume faster than before: polled so it is seen even at this many times its pace. */
const RESUME_SPEED_UP = 8;
/** A long stall is polled at least at this share of its age. */
const STALL_SHARE = 0.25;

/**
 * The delay before the next status poll, always within [minInterval, maxInterval].
 *
 * Polls go where the export can have ended. While it keeps a steady pace, its readings bound the
 * window the end can fall in (see `completionWindow`): the tracker waits until the window opens,
 * spreads a few polls across it (each one narrows it), and once it has passed (the export slowed
 * down) widens with how late it is. While it holds still after moving, nothing bounds when it goes
 * on: it is polled often enough to see it resume before the end even at several times its old
 * pace, less often as the stall ages. Before the readings move, `minInterval`, growing while
 * nothing changes. Jitter only lowers the delay. Pure: `random` is the workflow's deterministic
 * `Math.random`.
 */
export function nextPollDelay(
  policy: Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>,
  observation: PollingObservation,
  random: () => number,
): number {
  const { minIntervalMs, maxIntervalMs } = policy;
  const wanted = Math.min(maxIntervalMs, plannedDelay(minIntervalMs, observation));
  const jittered = wanted * (1 - JITTER_SHARE * random());
  return Math.round(Math.min(maxIntervalMs, Math.max(minIntervalMs, jittered)));
}

function plannedDelay(
  minIntervalMs: number,
  { steady, changed, stalled, unchangedPolls, msSinceStart = 0 }: PollingObservation,
): number {
  if (steady) {
    const { msToSoonest, msToLatest } = steady;
    if (msToSoonest > 0) {
      const watch = (msSinceStart + msToSoonest) / WATCH_POLLS;
      return Math.max(Math.min(msToSoonest, minIntervalMs), Math.min(watch, msToSoonest));
    }
    if (msToLatest > 0) {
      return Math.max(minIntervalMs, Math.min(msToLatest / WINDOW_POLLS, OPEN_SHARE * -msToSoonest));
    }
    return -msToLatest / 2;
  }
  if (changed) return OPEN_SHARE * Math.max(changed.msSinceSeen, changed.msUncertain);
  if (stalled) {
    return Math.max(stalled.msToEndAtPaceBefore / RESUME_SPEED_UP, STALL_SHARE * stalled.msStalled);
  }
  return minIntervalMs * BACKOFF_FACTOR ** Math.max(0, unchangedPolls);
}

/** What the delay policy looks at in a tracker's state at `now`. */
export function observe(state: TrackerState, now: number): PollingObservation {
  const window = completionWindow(knownReadings(state.samples, latestReading(state)));
  const observation: PollingObservation = {
    unchangedPolls: state.unchangedPolls,
    msSinceStart: now - state.startedAt,
  };
  if (window?.kind === 'steady') {
    observation.steady = { msToSoonest: window.soonest - now, msToLatest: window.latest - now };
  } else if (window?.kind === 'changed') {
    observation.changed = { msSinceSeen: now - window.seenAt, msUncertain: window.seenAt - window.after };
  } else if (window?.kind === 'stalled') {
    observation.stalled = {
      msStalled: now - window.since,
      msToEndAtPaceBefore: (100 - window.percentage) / window.paceBefore,
    };
  }
  return observation;
}
