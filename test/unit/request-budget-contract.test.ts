import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ARRIVAL_JITTER_ROOM_S,
  dispatchRateForQuota,
  exportRequestPriority,
  FailureType,
  PRIORITY_KEY,
  parseProjectRateLimitInput,
  parseQuotaChange,
  projectFairnessKey,
  projectPriority,
  quotaForDispatchRate,
  readThrottleReport,
  statusPollPriority,
} from '../../src/contract/index.js';
import { MAX_ROOM_MS } from '../../src/request-budget/arrival-room.js';

describe('projectFairnessKey', () => {
  it('is the project ID itself when it fits in a fairness key', () => {
    expect(projectFairnessKey('0605767b2900d4a62f4ec0138a1e1d4f')).toBe('0605767b2900d4a62f4ec0138a1e1d4f');
    expect(projectFairnessKey('p'.repeat(64))).toBe('p'.repeat(64));
  });

  it('keeps longer IDs within 64 bytes, distinct and stable', () => {
    const a = projectFairnessKey(`${'x'.repeat(100)}-a`);
    const b = projectFairnessKey(`${'x'.repeat(100)}-b`);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(64);
    expect(Buffer.byteLength(b)).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
    expect(projectFairnessKey(`${'x'.repeat(100)}-a`)).toBe(a);
  });
});

describe('projectPriority', () => {
  it("puts a refused call's retry ahead of its project's queue, in the same project's budget, and sets every key", () => {
    expect(projectPriority('p-1')).toEqual({ fairnessKey: 'p-1', priorityKey: PRIORITY_KEY.standard });
    expect(projectPriority('p-1', true)).toEqual({ fairnessKey: 'p-1', priorityKey: 1 });
  });
});

describe('exportRequestPriority', () => {
  const standings = ['refused', 'urgent', 'unforetold', 'asked', 'routine'] as const;

  it("puts a fleet member's new export behind every call nothing would overtake, with routine polls, in the same project's budget", () => {
    const newExport = exportRequestPriority('p-1', false, PRIORITY_KEY.deferrable);
    expect(newExport.fairnessKey).toBe('p-1');
    for (const standing of ['refused', 'urgent', 'unforetold', 'asked'] as const) {
      expect(statusPollPriority('p-1', standing).priorityKey).toBeLessThan(newExport.priorityKey as number);
    }
    expect(projectPriority('p-1').priorityKey).toBeLessThan(newExport.priorityKey as number);
    expect(statusPollPriority('p-1', 'routine')).toEqual(newExport);
  });

  it('puts the request of a collection someone waits on with the calls nothing would overtake, whatever key it was started at', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: PRIORITY_KEY.deferrable - 1 }), { nil: undefined }),
        fc.boolean(),
        (startedAt, refused) => {
          const request = exportRequestPriority('p-1', refused, startedAt);
          expect(request).toEqual(projectPriority('p-1', refused));
        },
      ),
    );
  });

  it('never puts a request ahead of an urgent poll unless it was refused, and keeps every call in its project', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
        fc.boolean(),
        (startedAt, refused) => {
          const request = exportRequestPriority('p-1', refused, startedAt);
          expect(request.fairnessKey).toBe('p-1');
          expect(request.priorityKey).toBeDefined();
          if (refused) expect(request.priorityKey).toBe(PRIORITY_KEY.refusedRetry);
          else
            expect(request.priorityKey).toBeGreaterThan(
              statusPollPriority('p-1', 'urgent').priorityKey as number,
            );
          for (const standing of standings)
            expect(statusPollPriority('p-1', standing).priorityKey).toBeDefined();
        },
      ),
    );
  });
});

describe('dispatchRateForQuota', () => {
  /** From here up the spaced bound holds without the floor of half the quota. */
  const SPACED_FROM = 2 / (1 - ARRIVAL_JITTER_ROOM_S);

  it('never stops a project and stays under its quota', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 10_000, noNaN: true }), (quota) => {
        const rate = dispatchRateForQuota(quota);
        expect(rate).toBeGreaterThanOrEqual(quota / 2);
        expect(rate).toBeLessThan(quota);
      }),
    );
  });

  it('spaces calls so that a second holds at most the quota, with room for arrivals that vary', () => {
    fc.assert(
      fc.property(fc.double({ min: SPACED_FROM, max: 10_000, noNaN: true }), (quota) => {
        expect(dispatchRateForQuota(quota) * (1 + ARRIVAL_JITTER_ROOM_S) + 1).toBeLessThanOrEqual(
          quota + 1e-9,
        );
      }),
    );
  });

  it('with any wider room for workers that lag, keeps the bound with that room or falls to half the quota, never above the base rate', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 10_000, noNaN: true }),
        fc.double({ min: ARRIVAL_JITTER_ROOM_S, max: MAX_ROOM_MS / 1000, noNaN: true }),
        (quota, roomS) => {
          const rate = dispatchRateForQuota(quota, roomS);
          if (rate > quota / 2) expect(rate * (1 + roomS) + 1).toBeLessThanOrEqual(quota + 1e-9);
          else expect(rate).toBe(quota / 2);
          expect(rate).toBeLessThanOrEqual(dispatchRateForQuota(quota) + 1e-9);
        },
      ),
    );
  });

  it('is read back as the quota it was set for', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 10_000, noNaN: true }), (quota) => {
        expect(quotaForDispatchRate(dispatchRateForQuota(quota))).toBeCloseTo(quota, 6);
      }),
    );
  });
});

describe('quota inputs', () => {
  it.each([0, -1, Number.NaN, 20_000, '5'])(
    'refuses a quota of %s with InvalidInput naming the field',
    (quota) => {
      const err = (() => {
        try {
          parseQuotaChange({ quota });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).type).toBe(FailureType.InvalidInput);
      expect((err as ApplicationFailure).message).toMatch(/^setQuota: invalid input: quota: /);
    },
  );

  it('takes a positive quota, or null for the default', () => {
    expect(parseQuotaChange({ quota: 2.5 })).toEqual({ quota: 2.5 });
    expect(parseQuotaChange({ quota: null })).toEqual({ quota: null });
  });

  it("checks the budget keeper's input", () => {
    expect(parseProjectRateLimitInput({ projectId: 'p-1' })).toEqual({ projectId: 'p-1' });
    expect(() => parseProjectRateLimitInput({ projectId: 'p/1', share: 2 })).toThrow(/projectId: .*share: /s);
  });
});

describe('readThrottleReport', () => {
  it('takes a report of a 429 and ignores anything else a signal may carry', () => {
    const report = {
      projectId: 'p-1',
      region: 'cn-east-3',
      sentAt: 1,
      refusedAt: 2,
      errorCode: 'APIGW.0308',
    };
    expect(readThrottleReport(report)).toEqual(report);
    expect(readThrottleReport({ projectId: 'p-1' })).toBeUndefined();
    expect(readThrottleReport('429')).toBeUndefined();
  });
});
