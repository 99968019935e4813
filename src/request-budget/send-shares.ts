/**
 * Each worker's share of every project's quota, for the send gates (`send-gate.ts`): gates whose
 * places sum to the quota keep it, so the shares of the workers that may be sending must never
 * sum to more, while workers come, go, stall and hear of changes late.
 *
 * A registry (one workflow, whose Update handler runs `renew`) lists the members in order: the
 * i-th of n gets floor(Q / n) places of a quota Q, plus one when i < Q mod n. Every change of the
 * list is a new epoch. A member renews every few seconds and gets back a grant: the orders of
 * every epoch from the oldest of any grant issued in the last LEASE_MS to the newest. It sends
 * with the fewest places any of them gives it, and only while the grant's lease lasts, counted on
 * its own clock from when it asked: no grant is held longer than LEASE_MS after its issue.
 *
 * Why the sum holds: take the oldest epoch E of any grant held now, issued at t. Every other grant
 * held now was issued within LEASE_MS of now, so either after t and within LEASE_MS of it, when
 * the registry still counted E's grant and reached back to E or further, or before t, when the
 * epoch was at most E: it names E too. So each member's places are at most what E gives it, and
 * E's places sum to Q. A newcomer is in no older epoch: it gets no places until every grant issued
 * before it joined has lapsed.
 */
export interface Member {
  readonly id: string;
  /** When the registry last heard from it (registry time). */
  readonly renewedAt: number;
  /** The grants issued to it in the last LEASE_MS: the ones it may hold. */
  readonly issued: ReadonlyArray<{ readonly epoch: number; readonly at: number }>;
}

export interface Registry {
  readonly epoch: number;
  /** Projects with a quota of their own (`rate-limit set`); the others have the workers' default. */
  readonly quotas: Readonly<Record<string, number>>;
  readonly members: readonly Member[];
  /** Member order of each epoch a grant may still name, oldest first; the last is `epoch`'s. */
  readonly orders: ReadonlyArray<{ readonly epoch: number; readonly order: readonly string[] }>;
}

/** What a member sends with: the orders of every epoch it may have to share with. */
export interface Grant {
  readonly epoch: number;
  readonly quotas: Readonly<Record<string, number>>;
  readonly orders: ReadonlyArray<{ readonly epoch: number; readonly order: readonly string[] }>;
}

/**
 * How long a grant lasts on the member's clock, from the moment it asked: a worker that joins
 * sends nothing for up to this long, and one that stalls longer renews before it sends again.
 */
export const LEASE_MS = 10_000;
/**
 * The registry counts a member gone this long after it last heard from it: every grant it was
 * issued has lapsed by then.
 */
export const GONE_AFTER_MS = LEASE_MS + 5_000;
/** How often a member renews. */
export const RENEW_EVERY_MS = 3_000;

export function emptyRegistry(): Registry {
  return { epoch: 0, quotas: {}, members: [], orders: [{ epoch: 0, order: [] }] };
}

/**
 * A member asked, and the registry heard it at `now` (registry time): it joins if new, members
 * gone quiet are dropped, and its grant comes back.
 */
export function renew(registry: Registry, id: string, now: number): { registry: Registry; grant: Grant } {
  const known = registry.members.find((m) => m.id === id);
  const live = registry.members.filter((m) => m.id !== id && now - m.renewedAt <= GONE_AFTER_MS);
  let epoch = registry.epoch;
  let orders = registry.orders;
  if (known === undefined || live.length + 1 !== registry.members.length) {
    epoch += 1;
    orders = [
      ...orders,
      { epoch, order: orderOf(orders.at(-1)?.order ?? [], [...live.map((m) => m.id), id]) },
    ];
  }
  const recent = (m: Member) => m.issued.filter((g) => now - g.at < LEASE_MS);
  const renewed: Member = {
    id,
    renewedAt: now,
    issued: [...(known ? recent(known) : []), { epoch, at: now }],
  };
  const members = [...live.map((m) => ({ ...m, issued: recent(m) })), renewed];
  const oldest = Math.min(epoch, ...members.flatMap((m) => m.issued.map((g) => g.epoch)));
  orders = orders.filter((o) => o.epoch >= oldest);
  return {
    registry: { epoch, quotas: registry.quotas, members, orders },
    grant: { epoch, quotas: registry.quotas, orders },
  };
}

/**
 * A project's own quota, or with null the default again. Grants carry it from their next renewal:
 * until then a worker gates the project at the quota it knew, while Temporal already paces it at
 * the new one (the keeper writes it to the task queue).
 */
export function withQuota(registry: Registry, projectId: string, quota: number | null): Registry {
  const { [projectId]: _, ...others } = registry.quotas;
  return { ...registry, quotas: quota === null ? others : { ...others, [projectId]: quota } };
}

/** The members in the order they had, newcomers last: places move as little as they can. */
function orderOf(previous: readonly string[], ids: readonly string[]): string[] {
  const kept = previous.filter((id) => ids.includes(id));
  return [...kept, ...ids.filter((id) => !kept.includes(id))];
}

/** The places of `quota` a member's grant gives it: the fewest any of its epochs gives. */
export function placesOf(grant: Grant, id: string, quota: number): number {
  let places = Number.POSITIVE_INFINITY;
  for (const { order } of grant.orders) {
    const i = order.indexOf(id);
    const n = order.length;
    places = Math.min(places, i < 0 ? 0 : Math.floor(quota / n) + (i < quota % n ? 1 : 0));
  }
  return places === Number.POSITIVE_INFINITY ? 0 : places;
}
