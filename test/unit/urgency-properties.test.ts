/**
 * The urgent-poll rule's guarantees (src/workflows/tracker/urgency.ts), checked on generated
 * exports of any shape tracked in virtual time by the workflow's own functions, behind a project
 * queue that holds routine polls for up to five maxIntervals and answers urgent ones at once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANY_EXPORT, generatedExport } from '../../bench/generated-exports.js';
import { trackInVirtualTime, type VirtualPoll } from '../../bench/policy-lab.js';
import type { PollStanding } from '../../src/request-budget/contract.js';
import { seeded } from '../../src/simulator/seeded-random.js';
import {
  POLLS_AHEAD_IN_WINDOW,
  POLLS_AHEAD_WHILE_UNFORETOLD,
  rearmMarginMs,
} from '../../src/workflows/tracker/urgency.js';

const queueWait = fc.record({
  routineShare: fc.double({ min: 0, max: 5, noNaN: true }),
  urgentMs: fc.nat(500),
});

describe('urgent polls, on every generated export behind any queue', () => {
  it('are never due before the end they are for, never two in a row, and only after the export moved, a margin later', () => {
    fc.assert(
      fc.property(
        generatedExport(ANY_EXPORT),
        queueWait,
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (shaped, wait, seed) => {
          const routineMs = Math.round(wait.routineShare * shaped.maxIntervalMs);
          const { polls } = trackInVirtualTime(shaped, seeded(seed), false, {
            waitMs: (standing) => (standing === 'urgent' ? wait.urgentMs : routineMs),
            urgency: true,
          });
          const urgent = polls.flatMap((p, i) => (p.urgentFor === undefined ? [] : [i]));
          for (const i of urgent) {
            expect(polls[i]?.sentAt).toBeGreaterThanOrEqual((polls[i] as VirtualPoll).urgentFor as number);
          }
          for (const [n, j] of urgent.slice(1).entries()) {
            const i = urgent[n] as number;
            const first = polls[i] as VirtualPoll;
            // A later poll saw the export move: one that holds still after its urgent poll gets no other.
            const movedBetween = polls
              .slice(i + 1, j)
              .some((p, k) => p.percentage !== (polls[i + k] as VirtualPoll).percentage);
            expect(movedBetween).toBe(true);
            expect((polls[j] as VirtualPoll).sentAt).toBeGreaterThanOrEqual(
              first.sentAt + rearmMarginMs(shaped, first.sentAt),
            );
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('see an end the readings foretold by the far edge of their window, however long routine polls wait: the routine poll is overtaken', () => {
    const steadyExport = fc.record({
      durationMs: fc.integer({ min: 1_000, max: 2 * 3_600_000 }),
      minIntervalMs: fc.integer({ min: 100, max: 30_000 }),
      maxShare: fc.double({ min: 1, max: 60, noNaN: true }),
    });
    const anyQueue = fc.record({
      routineMs: fc.array(fc.integer({ min: 0, max: 600_000 }), { minLength: 1, maxLength: 50 }),
      urgentMs: fc.nat(500),
    });
    fc.assert(
      fc.property(
        steadyExport,
        anyQueue,
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (e, queue, collected, seed) => {
          let next = 0;
          const waitMs = (standing: PollStanding) =>
            standing === 'urgent'
              ? queue.urgentMs
              : (queue.routineMs[next++ % queue.routineMs.length] as number);
          const shaped = {
            scenario: { durationMs: e.durationMs },
            minIntervalMs: e.minIntervalMs,
            maxIntervalMs: Math.round(e.minIntervalMs * e.maxShare),
          };
          const { polls } = trackInVirtualTime(shaped, seeded(seed), collected, { waitMs, urgency: true });
          const seen = polls[polls.length - 1] as VirtualPoll;
          // Timers run in whole milliseconds: a far edge at 674,890.14 ms is met at 674,891.
          if (seen.urgentFor === undefined && seen.foretold !== undefined)
            expect(seen.answeredAt).toBeLessThanOrEqual(Math.ceil(seen.foretold));
          // Overtaken only by the poll sent then: the urgent one, or the first of the window's.
          polls.forEach((p, i) => {
            if (!p.overtaken) return;
            const after = polls[i + 1] as VirtualPoll;
            expect(after.sentAt).toBe(p.answeredAt);
            expect(['urgent', 'window']).toContain(after.standing);
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('bring at most three window polls each (and three before the first), and at most six polls ahead of the routine ones, whatever the export and the queue', () => {
    fc.assert(
      fc.property(
        generatedExport(ANY_EXPORT),
        queueWait,
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (shaped, wait, collected, seed) => {
          const routineMs = Math.round(wait.routineShare * shaped.maxIntervalMs);
          const { polls } = trackInVirtualTime(shaped, seeded(seed), collected, {
            waitMs: (standing) => (standing === 'urgent' ? wait.urgentMs : routineMs),
            urgency: true,
          });
          const stretches: VirtualPoll[][] = [[]];
          for (const p of polls) {
            if (p.standing === 'urgent') stretches.push([]);
            else stretches[stretches.length - 1]?.push(p);
          }
          for (const stretch of stretches) {
            const window = stretch.filter((p) => p.standing === 'window');
            const ahead = stretch.filter((p) => p.standing === 'window' || p.standing === 'unforetold');
            expect(window.length).toBeLessThanOrEqual(POLLS_AHEAD_IN_WINDOW);
            expect(ahead.length).toBeLessThanOrEqual(POLLS_AHEAD_IN_WINDOW + POLLS_AHEAD_WHILE_UNFORETOLD);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('are sent with no queue at all only where the policy already polls: the waits are the same', () => {
    fc.assert(
      fc.property(generatedExport(ANY_EXPORT), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (shaped, seed) => {
        const noQueue = { waitMs: () => 0 };
        const withUrgency = trackInVirtualTime(shaped, seeded(seed), false, { ...noQueue, urgency: true });
        const without = trackInVirtualTime(shaped, seeded(seed), false, { ...noQueue, urgency: false });
        expect(withUrgency.pollTimes).toEqual(without.pollTimes);
      }),
      { numRuns: 300 },
    );
  });
});
