import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTrackLogExportInput } from '../../src/contract/index.js';
import {
  initialState,
  readingTime,
  recordReading,
  recordSnapshot,
  trackerStateSchema,
} from '../../src/workflows/tracker/state.js';

const request = parseTrackLogExportInput({ projectId: 'p', serverId: 's', exportId: 'e' });

describe('readings in the tracker state', () => {
  it("counts a poll's answer as a call, and the export request's answer as a reading only", () => {
    const state = initialState(request, 0, false);
    expect(recordReading(state, { status: 'running', percentage: '0%' }, 0).phase).toBe('running');
    expect(state).toMatchObject({ polls: 0, percentage: 0, status: 'running', lastPolledAt: 0 });

    recordSnapshot(state, { status: 'running', percentage: '12%' }, 10_000);
    expect(state).toMatchObject({ polls: 1, percentage: 12, lastProgressAt: 10_000 });
    expect(state.samples).toEqual([
      { at: 0, percentage: 0 },
      { at: 10_000, percentage: 12, after: 0 },
    ]);
  });

  it('keeps the last known percentage through answers it cannot read', () => {
    const state = initialState(request, 0, false);
    recordSnapshot(state, { status: 'running', percentage: '5%' }, 0);
    expect(recordSnapshot(state, { status: 'running', percentage: 'n/a' }, 1_000)).toMatchObject({
      unreadablePercentage: 'n/a',
    });
    expect(state).toMatchObject({ percentage: 5, lastProgressAt: 0, polls: 2 });
  });

  it('carries in a state from a run started before the call budget, with a full budget', () => {
    const { pollBudget, ...before } = initialState(request, 5_000, false);
    expect(pollBudget).toBe(5_000);
    // An empty bucket would be ready at the start plus three budget intervals; 0 is long past.
    const carried = trackerStateSchema.parse({ ...before, unchangedPolls: 4 });
    expect(carried.pollBudget).toBe(0);
  });
});

describe("a poll's reading time", () => {
  it('is when the answer arrived, kept within the poll (sent to read), and when it was read for an answer that does not say', () => {
    const snapshot = { status: 'processing', percentage: '10%' };
    expect(readingTime(snapshot, 1_000, 9_000)).toBe(9_000);
    expect(readingTime({ ...snapshot, answeredAt: 4_000 }, 1_000, 9_000)).toBe(4_000);
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer(), (sentAt, took, answeredAt) => {
        const at = readingTime({ ...snapshot, answeredAt }, sentAt, sentAt + took);
        expect(at).toBeGreaterThanOrEqual(sentAt);
        expect(at).toBeLessThanOrEqual(sentAt + took);
        if (answeredAt >= sentAt && answeredAt <= sentAt + took) expect(at).toBe(answeredAt);
      }),
    );
  });
});
