import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  afterAnswer,
  afterSend,
  emptyGate,
  type GatePlaces,
  heldAt,
  sendableAt,
} from '../../src/request-budget/send-gate.js';

/**
 * Requests as a stalled worker and a slow network make them: each ready at some moment (bunched
 * after stalls of up to 2 s), taking a round trip of up to 1.5 s, counted by the gateway anywhere
 * in it, and sent through one of several gates.
 */
const requests = fc.array(
  fc.record({
    readyAfterMs: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 0, max: 2_000 }),
    ),
    roundTripMs: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 1_500 })),
    countedAt: fc.double({ min: 0, max: 1, noNaN: true }),
    gate: fc.nat(),
  }),
  { minLength: 1, maxLength: 120 },
);
const capacities = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 });

type Generated = { readyAfterMs: number; roundTripMs: number; countedAt: number; gate: number };

interface Sent {
  readyAt: number;
  sentAt: number;
  answeredAt: number;
  countedAt: number;
  gate: number;
}

/**
 * Runs the requests through their gates, first come first served per gate, as a worker's event
 * loop would: a request is sent at the first moment its gate lets it, places free as answers come.
 */
function simulate(generated: ReadonlyArray<Generated>, caps: readonly number[]): Sent[] {
  type Request = { readyAt: number; roundTripMs: number; countedAt: number; gate: number };
  let readyAt = 0;
  const queue: Request[] = generated.map((r) => {
    readyAt += r.readyAfterMs;
    return { readyAt, roundTripMs: r.roundTripMs, countedAt: r.countedAt, gate: r.gate % caps.length };
  });
  const gates: GatePlaces[] = caps.map(() => emptyGate());
  const waiting: Request[][] = caps.map(() => []);
  const answers: Array<{ at: number; gate: number }> = [];
  const sent: Sent[] = [];
  let now = 0;
  for (;;) {
    // Whatever is due at `now`: answers first (they free places), then arrivals, then sends.
    answers.sort((a, b) => a.at - b.at);
    while (answers[0] && answers[0].at <= now) {
      const answer = answers.shift() as { at: number; gate: number };
      gates[answer.gate] = afterAnswer(gates[answer.gate] as GatePlaces, answer.at);
    }
    while (queue[0] && queue[0].readyAt <= now) {
      const request = queue.shift() as Request;
      waiting[request.gate]?.push(request);
    }
    let next = Math.min(
      queue[0]?.readyAt ?? Number.POSITIVE_INFINITY,
      answers[0]?.at ?? Number.POSITIVE_INFINITY,
    );
    for (const [g, line] of waiting.entries()) {
      while (line.length > 0) {
        const at = sendableAt(gates[g] as GatePlaces, now, caps[g] as number);
        if (at !== now) {
          if (at !== undefined) next = Math.min(next, at);
          break;
        }
        const request = line.shift() as Request;
        gates[g] = afterSend(gates[g] as GatePlaces, now);
        const answeredAt = now + request.roundTripMs;
        answers.push({ at: answeredAt, gate: g });
        next = Math.min(next, answeredAt);
        sent.push({
          readyAt: request.readyAt,
          sentAt: now,
          answeredAt,
          countedAt: now + request.countedAt * request.roundTripMs,
          gate: g,
        });
      }
    }
    if (next === Number.POSITIVE_INFINITY) break;
    now = next;
  }
  return sent;
}

/** The most counts in any closed window [a, a + 1000]. */
function busiestClosedSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] as number) - (sorted[i] as number) > 1_000) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe('the send gate', () => {
  it('lets no second of the gateway count more than the gates hold, however requests are delayed', () => {
    fc.assert(
      fc.property(requests, capacities, (generated, caps) => {
        const sent = simulate(generated, caps);
        expect(sent).toHaveLength(generated.length);
        const quota = caps.reduce((a, b) => a + b, 0);
        expect(busiestClosedSecond(sent.map((s) => s.countedAt))).toBeLessThanOrEqual(quota);
        for (const [g, cap] of caps.entries())
          expect(
            busiestClosedSecond(sent.filter((s) => s.gate === g).map((s) => s.countedAt)),
          ).toBeLessThanOrEqual(cap);
      }),
      { numRuns: 500 },
    );
  });

  it('holds a request back only while every place of its gate is held', () => {
    fc.assert(
      fc.property(requests, capacities, (generated, caps) => {
        const sent = simulate(generated, caps);
        for (const request of sent.filter((s) => s.sentAt > s.readyAt)) {
          // A millisecond (the clock's step) before it went, its gate was full: requests in
          // flight, or answered within the last second.
          const justBefore = request.sentAt - 1;
          const held = sent.filter(
            (s) =>
              s !== request &&
              s.gate === request.gate &&
              s.sentAt <= justBefore &&
              s.answeredAt + 1_000 >= justBefore,
          ).length;
          expect(held).toBe(caps[request.gate]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('frees a place a second after its answer, not before', () => {
    let gate = afterSend(emptyGate(), 0);
    expect(sendableAt(gate, 10, 1)).toBeUndefined();
    gate = afterAnswer(gate, 100);
    expect(heldAt(gate, 1_100)).toBe(1);
    expect(sendableAt(gate, 500, 1)).toBe(1_101);
    expect(sendableAt(gate, 1_101, 1)).toBe(1_101);
  });

  it('breaks, and only then, when the gateway counts a request after its answer (the edge of the proof)', () => {
    // One place; a request sent at 0 and answered after `roundTripMs`; the next sent as soon as
    // the gate lets it, and counted at once. The first is counted `lateMs` after its answer: 0 is
    // the last moment of its round trip, anything later is a gateway (or a proxy in front of it)
    // counting outside it.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_500 }),
        fc.integer({ min: 0, max: 3_000 }),
        (roundTripMs, lateMs) => {
          let gate = afterSend(emptyGate(), 0);
          gate = afterAnswer(gate, roundTripMs);
          const nextSentAt = sendableAt(gate, roundTripMs, 1) as number;
          const counts = [roundTripMs + lateMs, nextSentAt];
          const busiest = busiestClosedSecond(counts);
          // Counted within its round trip, the next one (sent a second after the answer) never
          // shares a second with it; counted up to 2 s after its answer, it does.
          expect(busiest).toBe(lateMs >= 1 && lateMs <= 2_001 ? 2 : 1);
        },
      ),
    );
  });
});
