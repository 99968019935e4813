import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyRegistry,
  type Grant,
  LEASE_MS,
  placesOf,
  RENEW_EVERY_MS,
  type Registry,
  renew,
  withQuota,
} from '../../src/request-budget/send-shares.js';

/**
 * Members as a deployment has them: each joins at some moment, renews every RENEW_EVERY_MS unless
 * it stalls or has died, and its Updates take up to `slowMs` to reach the registry and as long to
 * come back.
 */
const members = fc.array(
  fc.record({
    joinsAt: fc.integer({ min: 0, max: 60_000 }),
    diesAt: fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: undefined }),
    stalls: fc.array(
      fc.record({ at: fc.integer({ min: 0, max: 120_000 }), forMs: fc.integer({ min: 0, max: 40_000 }) }),
      {
        maxLength: 3,
      },
    ),
    slowMs: fc.integer({ min: 0, max: 6_000 }),
    seed: fc.integer(),
  }),
  { minLength: 1, maxLength: 5 },
);

type Generated = (typeof members extends fc.Arbitrary<infer T> ? T : never)[number];

interface Held {
  grant: Grant;
  askedAt: number;
}

/** Every moment a member's grants change, with what each live member then holds. */
function simulate(generated: readonly Generated[], endAt = 150_000): Array<Map<string, Grant>> {
  let registry: Registry = emptyRegistry();
  const held = new Map<string, Held>();
  type Event =
    | { at: number; kind: 'ask'; id: string }
    | { at: number; kind: 'arrive'; id: string; askedAt: number }
    | { at: number; kind: 'answer'; id: string; askedAt: number; grant: Grant };
  const events: Event[] = generated.map((m, i) => ({ at: m.joinsAt, kind: 'ask', id: `w${i}` }));
  const spec = new Map(generated.map((m, i) => [`w${i}`, m]));
  const random = new Map(generated.map((m, i) => [`w${i}`, mulberry(m.seed)]));
  const snapshots: Array<Map<string, Grant>> = [];
  const holding = (id: string, now: number) => {
    const h = held.get(id);
    return h && now < h.askedAt + LEASE_MS && !dead(id, now) ? h : undefined;
  };
  const dead = (id: string, now: number) => {
    const diesAt = spec.get(id)?.diesAt;
    return diesAt !== undefined && now >= diesAt;
  };
  const stalled = (id: string, now: number) =>
    (spec.get(id)?.stalls ?? []).some((s) => now >= s.at && now < s.at + s.forMs);
  while (events.length > 0) {
    events.sort((a, b) => a.at - b.at);
    const event = events.shift() as Event;
    if (event.at > endAt) break;
    const delay = () => Math.floor((random.get(event.id)?.() ?? 0) * ((spec.get(event.id)?.slowMs ?? 0) + 1));
    if (event.kind === 'ask') {
      if (dead(event.id, event.at)) continue;
      if (!stalled(event.id, event.at))
        events.push({ at: event.at + delay(), kind: 'arrive', id: event.id, askedAt: event.at });
      events.push({ at: event.at + RENEW_EVERY_MS, kind: 'ask', id: event.id });
    } else if (event.kind === 'arrive') {
      const renewed = renew(registry, event.id, event.at);
      registry = renewed.registry;
      events.push({
        at: event.at + delay(),
        kind: 'answer',
        id: event.id,
        askedAt: event.askedAt,
        grant: renewed.grant,
      });
    } else {
      // A stalled member reads its answer when it wakes: the lease still counts from its asking.
      const current = holding(event.id, event.at);
      if (!dead(event.id, event.at) && (!current || event.grant.epoch > current.grant.epoch))
        held.set(event.id, { grant: event.grant, askedAt: event.askedAt });
    }
    const now = event.at;
    const snapshot = new Map<string, Grant>();
    for (const id of held.keys()) {
      const h = holding(id, now);
      if (h) snapshot.set(id, h.grant);
    }
    snapshots.push(snapshot);
  }
  return snapshots;
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("the workers' shares of a quota", () => {
  it('never sum to more than the quota, while workers join, die, stall and hear late', () => {
    fc.assert(
      fc.property(members, fc.integer({ min: 1, max: 40 }), (generated, quota) => {
        for (const snapshot of simulate(generated)) {
          let sum = 0;
          for (const [id, grant] of snapshot) sum += placesOf(grant, id, quota);
          expect(sum).toBeLessThanOrEqual(quota);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('give the whole quota out once a lease has passed without a change', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), (n, quota) => {
        let registry = emptyRegistry();
        const grants = new Map<string, Grant>();
        for (let round = 0; round * RENEW_EVERY_MS <= LEASE_MS + RENEW_EVERY_MS; round++)
          for (let i = 0; i < n; i++) {
            const id = `w${i}`;
            const renewed = renew(registry, id, round * RENEW_EVERY_MS + i);
            registry = renewed.registry;
            grants.set(id, renewed.grant);
          }
        let sum = 0;
        for (const [id, grant] of grants) sum += placesOf(grant, id, quota);
        expect(sum).toBe(quota);
      }),
    );
  });

  it('gives a newcomer no places until every grant issued before it joined has lapsed', () => {
    const a = renew(emptyRegistry(), 'a', 0);
    expect(placesOf(a.grant, 'a', 20)).toBe(20);
    const b = renew(a.registry, 'b', 6_000);
    expect(placesOf(b.grant, 'b', 20)).toBe(0);
    const aAgain = renew(b.registry, 'a', 10_000);
    expect(placesOf(aAgain.grant, 'a', 20)).toBe(10);
    const bLater = renew(aAgain.registry, 'b', LEASE_MS + 1);
    expect(placesOf(bLater.grant, 'b', 20)).toBe(10);
  });

  it("carry a project's own quota to every grant from the next renewal, and drop it on reset", () => {
    const a = renew(emptyRegistry(), 'a', 0);
    const set = withQuota(a.registry, 'p', 30);
    const renewed = renew(set, 'a', 3_000);
    expect(renewed.grant.quotas).toEqual({ p: 30 });
    const reset = renew(withQuota(renewed.registry, 'p', null), 'a', 6_000);
    expect(reset.grant.quotas).toEqual({});
  });
});
