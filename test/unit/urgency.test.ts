import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTrackLogExportInput, statusPollPriority } from '../../src/contract/index.js';
import { completionWindow, knownReadings } from '../../src/workflows/tracker/completion-window.js';
import {
  initialState,
  latestReading,
  recordSnapshot,
  trackerStateSchema,
} from '../../src/workflows/tracker/state.js';
import {
  POLLS_AHEAD_IN_WINDOW,
  POLLS_AHEAD_WHILE_UNFORETOLD,
  placePoll,
  predictedEnd,
  rearmMarginMs,
  takeUrgentPoll,
  unforetoldStanding,
  urgentPollAt,
} from '../../src/workflows/tracker/urgency.js';

const request = parseTrackLogExportInput({
  projectId: 'p',
  serverId: 's',
  exportId: 'e',
  policy: { minInterval: '1s', maxInterval: '10s' },
});
const { policy } = request;

/** A tracker that has read an export moving a point a second, at 0, 10 s and 20 s. */
function steadyTracker() {
  const state = initialState(request, 0, false);
  for (const at of [0, 10_000, 20_000]) read(state, at, at / 1_000);
  return state;
}

function read(state: ReturnType<typeof initialState>, at: number, percentage: number) {
  recordSnapshot(state, { status: 'running', percentage: `${percentage}%` }, at);
}

describe('the urgent poll', () => {
  it('is the first poll at or after the predicted end: the far edge of the completion window', () => {
    const state = steadyTracker();
    const end = predictedEnd(state) as number;
    expect(end).toBeGreaterThanOrEqual(100_000);
    expect(end).toBeLessThan(110_000);
    expect(takeUrgentPoll(state, policy, end - 1)).toBe(false);
    expect(state.urgentPoll).toBeUndefined();
    expect(takeUrgentPoll(state, policy, end)).toBe(true);
    expect(state.urgentPoll).toEqual({ at: end, end, polls: 3 });
  });

  it('is not there while the readings foretell no end', () => {
    const state = initialState(request, 0, false);
    read(state, 0, 5);
    read(state, 10_000, 5);
    expect(predictedEnd(state)).toBeNull();
    expect(takeUrgentPoll(state, policy, 3_600_000)).toBe(false);
  });

  it('comes once for an export that stays overdue, however long it holds still', () => {
    const state = steadyTracker();
    const end = predictedEnd(state) as number;
    expect(takeUrgentPoll(state, policy, end)).toBe(true);
    for (let at = end + 1_000; at < end + 3_600_000; at += 10_000) {
      read(state, at, 99);
      expect(takeUrgentPoll(state, policy, at + 5_000)).toBe(false);
    }
  });

  it('comes again after a later poll saw the export move, for an end at least the margin later', () => {
    const state = steadyTracker();
    const end = predictedEnd(state) as number;
    expect(takeUrgentPoll(state, policy, end)).toBe(true);
    // The urgent poll's own answer: slower than predicted, which alone re-arms nothing.
    read(state, end, 80);
    expect(takeUrgentPoll(state, policy, end + 200_000)).toBe(false);
    // A routine poll after it sees the export move on, at the new pace.
    read(state, end + 20_000, 90);
    const next = predictedEnd(state) as number;
    expect(next).toBeGreaterThanOrEqual(end + rearmMarginMs(policy, end));
    expect(takeUrgentPoll(state, policy, next)).toBe(true);
  });

  it('is re-armed only for an end a quarter of the time tracked later, or a budget interval', () => {
    expect(rearmMarginMs(policy, 4_000)).toBe(5_000);
    expect(rearmMarginMs(policy, 400_000)).toBe(100_000);
  });
});

describe('a routine poll overtaken at the end', () => {
  it('is overtaken at the predicted end while an urgent poll is left for it', () => {
    const state = steadyTracker();
    const end = predictedEnd(state) as number;
    expect(urgentPollAt(state, policy)).toBe(Math.ceil(end));
    expect(takeUrgentPoll(state, policy, urgentPollAt(state, policy) as number)).toBe(true);
  });

  it('is not overtaken once the urgent poll is spent, nor without a prediction', () => {
    const state = steadyTracker();
    const end = predictedEnd(state) as number;
    takeUrgentPoll(state, policy, end);
    read(state, end, 99);
    expect(urgentPollAt(state, policy)).toBeNull();
    expect(urgentPollAt(initialState(request, 0, false), policy)).toBeNull();
  });
});

describe('a poll once the export may have ended', () => {
  const soonestOf = (state: ReturnType<typeof initialState>) =>
    completionWindow(knownReadings(state.samples, latestReading(state)))?.soonest as number;

  it('goes ahead of the routine polls inside the window, three per urgent poll, each overtaken at the predicted end', () => {
    const state = steadyTracker();
    const soonest = soonestOf(state);
    const urgentAt = urgentPollAt(state, policy) as number;
    expect(soonest).toBeLessThan(urgentAt - 3_000);
    expect(placePoll(state, policy, soonest - 1)).toEqual({
      standing: 'routine',
      overtakenAt: Math.ceil(soonest),
    });
    for (let n = 0; n < POLLS_AHEAD_IN_WINDOW; n++) {
      expect(placePoll(state, policy, soonest + n)).toEqual({ standing: 'window', overtakenAt: urgentAt });
    }
    // The window's polls spent: a routine poll is overtaken at the end only.
    expect(placePoll(state, policy, soonest + 10)).toEqual({ standing: 'routine', overtakenAt: urgentAt });
    expect(placePoll(state, policy, soonest - 10)).toEqual({ standing: 'routine', overtakenAt: urgentAt });
    expect(placePoll(state, policy, urgentAt)).toEqual({ standing: 'urgent', overtakenAt: null });
    // The urgent poll found it running; it moves on at a slower pace, and an urgent poll is re-armed.
    read(state, urgentAt, 90);
    read(state, urgentAt + 30_000, 92);
    read(state, urgentAt + 60_000, 94);
    const rearmed = urgentPollAt(state, policy) as number;
    expect(rearmed).toBeGreaterThan(urgentAt + 60_000);
    expect(placePoll(state, policy, Math.max(urgentAt + 60_000, Math.ceil(soonestOf(state))))).toEqual({
      standing: 'window',
      overtakenAt: rearmed,
    });
  });

  it('is never ahead without a prediction: before the readings foretell an end, the export polls as the first polls do', () => {
    const state = initialState(request, 0, false);
    read(state, 0, 5);
    read(state, 10_000, 5);
    expect(placePoll(state, policy, 20_000)).toEqual({
      standing: unforetoldStanding(state),
      overtakenAt: null,
    });
    expect(state.windowPolls).toBeUndefined();
  });

  it('is counted in the carried state, absent from states carried from runs before it', () => {
    const state = steadyTracker();
    expect(trackerStateSchema.parse(JSON.parse(JSON.stringify(state))).windowPolls).toBeUndefined();
    placePoll(state, policy, Math.ceil(soonestOf(state)));
    expect(trackerStateSchema.parse(JSON.parse(JSON.stringify(state))).windowPolls).toBe(1);
  });
});

describe('the status poll priority', () => {
  it('puts the retry of a refused call first, then urgent polls, then the other calls (an operator poll, a poll nothing would overtake), then routine polls', () => {
    expect(statusPollPriority('p-1', 'refused')).toEqual({ fairnessKey: 'p-1', priorityKey: 1 });
    expect(statusPollPriority('p-1', 'urgent')).toEqual({ fairnessKey: 'p-1', priorityKey: 2 });
    expect(statusPollPriority('p-1', 'asked')).toEqual({ fairnessKey: 'p-1', priorityKey: 3 });
    expect(statusPollPriority('p-1', 'unforetold')).toEqual({ fairnessKey: 'p-1', priorityKey: 3 });
    expect(statusPollPriority('p-1', 'window')).toEqual({ fairnessKey: 'p-1', priorityKey: 3 });
    expect(statusPollPriority('p-1', 'routine')).toEqual({ fairnessKey: 'p-1', priorityKey: 4 });
  });
});

describe('a poll nothing would overtake', () => {
  it("goes ahead of the routine polls for an export's first three polls and the three after each urgent poll only, whatever the export reads", () => {
    const readings = fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 10 });
    fc.assert(
      fc.property(fc.array(readings, { minLength: 1, maxLength: 6 }), (betweenUrgentPolls) => {
        const state = initialState(request, 0, false);
        let at = 0;
        betweenUrgentPolls.forEach((percentages, i) => {
          if (i > 0) {
            // An urgent poll, spent as `takeUrgentPoll` spends it, and answered.
            state.urgentPoll = { at, end: at, polls: state.polls };
            at += 1_000;
            read(state, at, 50);
          }
          const ahead = percentages.filter((percentage) => {
            const standing = unforetoldStanding(state);
            at += 1_000;
            read(state, at, percentage);
            return statusPollPriority('p', standing).priorityKey === 3;
          });
          expect(ahead).toEqual(percentages.slice(0, POLLS_AHEAD_WHILE_UNFORETOLD));
        });
      }),
    );
  });

  it('counts from the start in a state carried from a run that did not count the polls before an urgent poll', () => {
    const state = steadyTracker();
    state.urgentPoll = { at: 20_000, end: 20_000 };
    expect(unforetoldStanding(state)).toBe('routine');
  });
});

describe('the spent urgent poll in the carried state', () => {
  it('is carried by continue-as-new, and absent from states carried from runs before it', () => {
    const state = steadyTracker();
    expect(trackerStateSchema.parse(state).urgentPoll).toBeUndefined();
    takeUrgentPoll(state, policy, predictedEnd(state) as number);
    expect(trackerStateSchema.parse(JSON.parse(JSON.stringify(state))).urgentPoll).toEqual(state.urgentPoll);
  });
});
