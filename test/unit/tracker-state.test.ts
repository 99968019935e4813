import { describe, expect, it } from 'vitest';
import { parseTrackLogExportInput } from '../../src/contract/index.js';
import { initialState, recordReading, recordSnapshot } from '../../src/workflows/tracker-state.js';

const request = parseTrackLogExportInput({ projectId: 'p', serverId: 's', exportId: 'e' });

describe('readings in the tracker state', () => {
  it("counts a poll's answer as a call, and the export request's answer as a reading only", () => {
    const state = initialState(request, 0, false);
    expect(recordReading(state, { status: 'running', percentage: '0%' }, 0).phase).toBe('running');
    expect(state).toMatchObject({ polls: 0, percentage: 0, status: 'running', lastPolledAt: 0 });

    recordSnapshot(state, { status: 'running', percentage: '12%' }, 10_000);
    expect(state).toMatchObject({ polls: 1, percentage: 12, lastProgressAt: 10_000, unchangedPolls: 0 });
    expect(state.samples).toEqual([
      { at: 0, percentage: 0 },
      { at: 10_000, percentage: 12, after: 0 },
    ]);
  });

  it('restarts the backoff only when a reading rises: one that falls back is reading error', () => {
    const state = initialState(request, 0, false);
    const read = (percentage: string, at: number) =>
      recordSnapshot(state, { status: 'running', percentage }, at);
    read('1%', 0);
    read('1%', 1_000);
    read('1%', 3_000);
    expect(state.unchangedPolls).toBe(2);
    read('0%', 7_000);
    expect(state).toMatchObject({ percentage: 0, unchangedPolls: 3 });
    read('2%', 15_000);
    expect(state).toMatchObject({ percentage: 2, unchangedPolls: 0, lastProgressAt: 15_000 });
  });

  it('keeps backing off while the answers carry no readable percentage', () => {
    const state = initialState(request, 0, false);
    for (const at of [0, 1_000, 3_000]) recordSnapshot(state, { status: 'running', percentage: null }, at);
    expect(state).toMatchObject({ percentage: null, unchangedPolls: 3 });
    recordSnapshot(state, { status: 'running', percentage: '5%' }, 7_000);
    expect(state).toMatchObject({ percentage: 5, unchangedPolls: 0 });
  });
});
