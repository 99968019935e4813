import { type PollingPolicy, pollBudgetIntervalMs } from '../../contract/index.js';
import type { PollStanding } from '../../request-budget/contract.js';
import { type CompletionWindow, completionWindow, knownReadings } from './completion-window.js';
import { latestReading, type TrackerState } from './state.js';

type Bounds = Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>;

/**
 * Urgent polls: a status poll due at an export's predicted end goes ahead of its project's routine
 * polls (priority key 2 where routine ones have 4), so under a saturated budget the end is seen
 * nearly as soon as without one. Each tracker gets one per prediction, never two in a row: an
 * export that is overdue cannot keep jumping the queue ahead of the others' ends.
 *
 * A routine poll still waiting in its project's queue when the predicted end comes is overtaken:
 * the tracker cancels it and sends the urgent poll (`track-log-export.ts`). So routine polls go at
 * the policy's pace whatever the queue, and use the turns the project's other calls leave, while
 * none of them can hold the end up. Inside the window where the end can fall, an export's first
 * few polls go ahead of the routine ones too (`placePoll`), so the end is seen there, not only at
 * the window's far edge.
 *
 * The property (checked over generated exports and queue waits in `urgency-properties.test.ts`):
 * - an urgent poll is never due before the predicted end it is for;
 * - after an urgent poll, the next is urgent only once a later poll has seen the export move and
 *   the predicted end lies at least the re-arm margin after the spent one was due, so an export
 *   that holds still gets no second one, and the k-th urgent poll comes after 1.25^(k-1) times the
 *   time tracked at the first (four by twice that time, eleven by ten times);
 * - while the export keeps its pace, an end the readings foretold is seen by the far edge of their
 *   window (and the urgent poll's own wait), however long routine polls wait;
 * - at most `POLLS_AHEAD_IN_WINDOW` window polls per urgent poll (and before the first), and a
 *   poll overtaken is followed at once by the urgent poll or a window poll.
 */

/**
 * Polls of an export that go ahead of the calls that can wait while nothing foretells its end: its
 * first three (answered) polls, readings enough for a pace to show, and the three after each
 * urgent poll that found it still running (it is overdue: its end is likely the project's next).
 * After them, an export whose end its readings still do not foretell (one that holds still, crawls
 * a point in many polls, or stays overdue) polls with the routine ones.
 */
export const POLLS_AHEAD_WHILE_UNFORETOLD = 3;

/** Re-armed only for an end this share of the time tracked later: at most logarithmically many. */
const REARM_SHARE = 1 / 4;

/**
 * Where the export has finished if it keeps the pace its readings allow: the far edge of the
 * completion window; null while the readings foretell no end. The far edge, not the estimate in
 * between: an urgent poll that finds the export still running leaves only routine polls, which
 * wait behind the whole queue.
 */
export function predictedEnd(state: TrackerState): number | null {
  const window = windowOf(state);
  return window !== null && Number.isFinite(window.latest) ? window.latest : null;
}

function windowOf(state: TrackerState) {
  return completionWindow(knownReadings(state.samples, latestReading(state)));
}

/**
 * How much later than the spent urgent poll a predicted end must be to earn another: a budget
 * interval, or a quarter of the time tracked when that poll was due if longer.
 */
export function rearmMarginMs(policy: Bounds, trackedMs: number): number {
  return Math.max(pollBudgetIntervalMs(policy), trackedMs * REARM_SHARE);
}

/** Whether an urgent poll for `end` is left: none spent yet, or re-armed since. */
function armedFor(state: TrackerState, policy: Bounds, end: number): boolean {
  const spent = state.urgentPoll;
  if (spent === undefined) return true;
  // A reading whose poll before was answered once the urgent one was sent: taken by a later poll
  // (the urgent poll's own went out after the answer before it, at least minInterval later).
  const movedSince = state.samples.some((s) => s.after !== undefined && s.after >= spent.at);
  return movedSince && end >= spent.at + rearmMarginMs(policy, spent.at - state.startedAt);
}

/**
 * Whether the poll sent at `now` is urgent; if so it is recorded as spent. Only a poll the policy
 * placed on the budget asks: an operator's `pollNow` and the retry of a refused call have standings
 * of their own.
 */
export function takeUrgentPoll(state: TrackerState, policy: Bounds, now: number): boolean {
  const end = predictedEnd(state);
  if (end === null || now < end || !armedFor(state, policy, end)) return false;
  state.urgentPoll = { at: now, end, polls: state.polls };
  delete state.windowPolls;
  return true;
}

/**
 * When the urgent poll is due: the predicted end, while an urgent poll is left for it; null
 * otherwise. A routine poll still waiting for its turn then is overtaken.
 */
export function urgentPollAt(state: TrackerState, policy: Bounds): number | null {
  const end = predictedEnd(state);
  return end !== null && armedFor(state, policy, end) ? Math.ceil(end) : null;
}

/**
 * The standing of a poll the policy placed while no urgent poll is due for it (`urgentPollAt` null):
 * ahead of the calls that can wait for an export's first few polls, with them after that.
 *
 * Why a bound: priority keys are strict, so a poll ahead of the routine ones is a poll every
 * routine poll waits for. Were every unforetold export ahead for as long as it stays unforetold,
 * long or stuck exports would hold the routine polls of the others back for as long as they run
 * (measured: failed exports seen 28 s late behind 40 hour-long exports' polls, against 13 s with
 * one queue for all). With the bound, the polls ahead of the routine ones come from exports new to
 * the project, a few each (and the project starts new exports only when its routine calls get
 * turns), and from overdue ones, a few per urgent poll, of which an export gets logarithmically
 * many in the time tracked; so the routine queue always moves.
 */
export function unforetoldStanding(
  state: Pick<TrackerState, 'polls' | 'urgentPoll'>,
): Extract<PollStanding, 'unforetold' | 'routine'> {
  const spent = state.urgentPoll?.polls;
  // Answered since the urgent poll, not counting its own answer (none if it was refused).
  const counted = spent === undefined ? state.polls : state.polls - spent - 1;
  return counted < POLLS_AHEAD_WHILE_UNFORETOLD ? 'unforetold' : 'routine';
}

/**
 * Polls of an export sent inside its completion window (the export may have ended) that go ahead of
 * the calls that can wait, per urgent poll: before it, and after each one that found the export
 * still running. Three: the window rule spends what the budget affords by the far edge
 * (`polling-policy.ts`), so a window narrower than a budget interval gets at most the bucket's
 * three polls before the urgent one, and all of them go ahead; a wider window's later polls wait
 * with the routine ones, and its urgent poll still comes at the far edge.
 */
export const POLLS_AHEAD_IN_WINDOW = 3;

/** How a poll the policy placed goes: its standing, and when it is overtaken if still waiting. */
export interface PlacedPoll {
  standing: Extract<PollStanding, 'urgent' | 'window' | 'routine' | 'unforetold'>;
  /** When the tracker cancels it, if it still waits for its turn, and sends the next poll; null: never. */
  overtakenAt: number | null;
}

/**
 * Where the poll the policy placed at `now` stands, recording it if it is urgent or one of the
 * window's (`POLLS_AHEAD_IN_WINDOW`):
 * - `urgent`, at or after the predicted end while an urgent poll is armed;
 * - while none is armed, `unforetoldStanding`, never overtaken (no end to overtake it for);
 * - `window`, inside the completion window (the export may have ended) for the first
 *   `POLLS_AHEAD_IN_WINDOW` polls since the last urgent poll (or the start), overtaken at the
 *   predicted end;
 * - `routine` otherwise, overtaken at the predicted end, or when the window opens while window
 *   polls are left (then the next poll is one).
 *
 * Why window polls: under a saturated budget a routine poll waits behind the whole queue, so
 * inside the window only the urgent poll at its far edge saw the end in time, as late as the
 * window is wide, and it is wide while the readings are few, as they are when every poll waits.
 * Ahead, the window's polls see the end about as soon as with an idle budget. Bounded, they cannot
 * make an export that crawls inside its window (the far edge receding as fast as it nears) hold
 * the routine queue up: each urgent poll brings at most three, and an export gets logarithmically
 * many urgent polls in the time tracked.
 */
export function placePoll(state: TrackerState, policy: Bounds, now: number): PlacedPoll {
  if (takeUrgentPoll(state, policy, now)) return { standing: 'urgent', overtakenAt: null };
  const urgentAt = urgentPollAt(state, policy);
  if (urgentAt === null) return { standing: unforetoldStanding(state), overtakenAt: null };
  const window = windowOf(state) as CompletionWindow;
  const taken = state.windowPolls ?? 0;
  if (taken >= POLLS_AHEAD_IN_WINDOW) return { standing: 'routine', overtakenAt: urgentAt };
  if (now >= window.soonest) {
    state.windowPolls = taken + 1;
    return { standing: 'window', overtakenAt: urgentAt };
  }
  return { standing: 'routine', overtakenAt: Math.min(urgentAt, Math.ceil(window.soonest)) };
}
