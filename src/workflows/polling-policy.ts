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
  /**
   * Its pace just changed: how long ago the change was first seen, how long before that it could
   * have come, and the latest it can end if it sped up and keeps going (infinite if it did not).
   */
  changed?: { msSinceSeen: number; msUncertain: number; msToLatest: number };
  /**
   * While it holds still after moving: for how long, how long it ran before, how long the rest
   * would take at its old pace, and whether the readings prove the hold (see `completionWindow`).
   */
  stalled?: { msStalled: number; msRanBefore: number; msToEndAtPaceBefore: number; certain: boolean };
}

/**
 * Growth of the interval per unchanged poll before the readings have moved: doubling finds the
 * export's time scale in as few polls as any scale-free search, and the watch caps it.
 */
const BACKOFF_FACTOR = 2;
/** Up to this share of the interval is taken off at random, so trackers started together drift apart. */
const JITTER_SHARE = 0.1;
/** Polls spread evenly over the window where the end is possible (fewer when minInterval forbids). */
const WINDOW_POLLS = 6;
/**
 * Polls per maxInterval at the least, whatever the readings say: a failure, a speed-up or a stall
 * that is over, which no reading foretells, is seen within a third of the longest wait the caller
 * accepts, before the readings have moved as much as after.
 */
const WATCH_POLLS_PER_MAX_INTERVAL = 3;
/**
 * At most this many of those watch polls over the time the export has run so far, so an export
 * many maxIntervals long is not polled at the rate set for a short one.
 */
const WATCH_POLLS_PER_AGE = 8;
/** In a window with no bound on its far side, polls spread out at this share of the time it has been open. */
const OPEN_SHARE = 0.5;
/** A stalled export may resume faster than before: polled so it is seen even at this many times its pace. */
const RESUME_SPEED_UP = 8;
/** A long stall is polled at least at this share of its age, while the end is far. */
const STALL_SHARE = 0.25;
/**
 * A hold's end, or its resuming, is one no reading foretells: it is watched evenly, this many times
 * over the export's time scale (the longer of how long it ran before the hold and how long it has
 * held), four times as often as the watch's polls per age. An even spacing wins over one growing
 * with the hold's age: the hold can end as soon after it starts as late, and the export spent few
 * polls before it (see docs/polling.md).
 */
const HOLD_POLLS_PER_TIME_SCALE = 32;

/**
 * The delay before the next status poll, always within [minInterval, maxInterval].
 *
 * Polls go where the export can have ended. While it keeps a steady pace, its readings bound the
 * window the end can fall in (see `completionWindow`): the tracker polls once that window is open,
 * a spacing after its soonest edge (at most at its latest edge), the spacing being an even share
 * of the window, at least `minInterval`; each reading narrows it. An end the readings do not
 * foretell (a failure, a speed-up, a stall that is over) can come at any moment, so it is watched
 * for evenly: no wait, of any kind, is longer than a third of `maxInterval`, or an eighth of the
 * time the export has run if that is longer. Once the window has passed (the export slowed down),
 * the wait widens with how late it is. Right after a speed-up, the tracker looks again soon to
 * learn the new pace, and no later than the end at the least that pace can be. While it holds
 * still after moving, nothing bounds when it goes on: it is polled often enough to see it resume
 * before the end even at several times its old pace, less often as the stall ages but never so
 * rarely that a resume at its old pace is seen long after that pace would have ended; and while
 * the readings prove it holds, evenly over the export's time scale, since its end (at 99 %, say)
 * is one no reading foretells. Before the readings move, `minInterval`, doubling while they do
 * not rise. Jitter only lowers the delay.
 * Pure: `random` is the workflow's deterministic `Math.random`.
 */
export function nextPollDelay(
  policy: Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>,
  observation: PollingObservation,
  random: () => number,
): number {
  const { minIntervalMs, maxIntervalMs } = policy;
  const wanted = Math.min(maxIntervalMs, plannedDelay(policy, observation));
  const jittered = wanted * (1 - JITTER_SHARE * random());
  return Math.round(Math.min(maxIntervalMs, Math.max(minIntervalMs, jittered)));
}

function plannedDelay(
  { minIntervalMs, maxIntervalMs }: Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>,
  observation: PollingObservation,
): number {
  const watch = Math.max(
    maxIntervalMs / WATCH_POLLS_PER_MAX_INTERVAL,
    (observation.msSinceStart ?? 0) / WATCH_POLLS_PER_AGE,
  );
  return Math.min(watch, delayForWhatIsForeseen(minIntervalMs, observation));
}

/** Where the readings place the end, or where the next reading tells most about it. */
function delayForWhatIsForeseen(
  minIntervalMs: number,
  { steady, changed, stalled, unchangedPolls }: PollingObservation,
): number {
  if (steady) {
    const { msToSoonest, msToLatest } = steady;
    if (msToLatest <= 0) return -msToLatest / 2;
    const toSoonest = Math.max(0, msToSoonest);
    const spacing = Number.isFinite(msToLatest)
      ? Math.max(minIntervalMs, (msToLatest - toSoonest) / WINDOW_POLLS)
      : Math.max(minIntervalMs, OPEN_SHARE * -Math.min(0, msToSoonest));
    return Math.min(msToLatest, toSoonest + spacing);
  }
  if (changed) {
    return Math.min(OPEN_SHARE * Math.max(changed.msSinceSeen, changed.msUncertain), changed.msToLatest);
  }
  if (stalled) {
    const { msStalled, msRanBefore, msToEndAtPaceBefore, certain } = stalled;
    const even = Math.max(msRanBefore, msStalled) / HOLD_POLLS_PER_TIME_SCALE;
    return Math.max(
      msToEndAtPaceBefore / RESUME_SPEED_UP,
      // Readings that go back may be slow progress read as a hold, whose end is foretold.
      certain ? even : 0,
      // Seen resuming at its old pace no later than `even` after the end that pace brings.
      Math.min(STALL_SHARE * msStalled, msToEndAtPaceBefore + even),
    );
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
    observation.changed = {
      msSinceSeen: now - window.seenAt,
      msUncertain: window.seenAt - window.after,
      msToLatest: window.latest - now,
    };
  } else if (window?.kind === 'stalled') {
    observation.stalled = {
      msStalled: now - window.since,
      msRanBefore: window.since - state.startedAt,
      msToEndAtPaceBefore: (100 - window.percentage) / window.paceBefore,
      certain: window.certain,
    };
  }
  return observation;
}
