import type { Client } from '@temporalio/client';
import { sendSharesStart } from './client.js';
import { renewShareUpdate } from './contract.js';
import { type Grant, LEASE_MS, placesOf, RENEW_EVERY_MS } from './send-shares.js';

const MAX_IN_FLIGHT = 3;

/**
 * This worker process as a member of its task queue's send-share registry (`shares-workflow.ts`):
 * it renews every RENEW_EVERY_MS and keeps the newest grant, which lasts LEASE_MS from the moment
 * it asked, on the process's monotonic clock. Without a live grant it has no places: a process
 * that stalled past its lease sends nothing until it has renewed.
 */
export class ShareMember {
  readonly id: string;
  readonly #client: Client;
  readonly #taskQueue: string;
  readonly #warn: (message: string) => void;
  #held: { grant: Grant; askedAt: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Renewals in flight, each with the controller that gives it up. */
  readonly #inFlight = new Map<Promise<void>, AbortController>();
  #stopped = false;

  constructor(client: Client, taskQueue: string, id: string, warn: (message: string) => void) {
    this.#client = client;
    this.#taskQueue = taskQueue;
    this.id = id;
    this.#warn = warn;
  }

  /** The places of a project's quota (its own, or `defaultQuota`) this member may hold now. */
  placesFor(projectId: string, defaultQuota: number): number {
    const held = this.#held;
    if (!held || performance.now() >= held.askedAt + LEASE_MS) return 0;
    return placesOf(held.grant, this.id, held.grant.quotas[projectId] ?? defaultQuota);
  }

  /**
   * Renews every RENEW_EVERY_MS, whether or not the last renewal has been answered: a slow one
   * must not push the next past the lease. At most MAX_IN_FLIGHT wait at once.
   */
  start(): void {
    const tick = () => {
      if (this.#inFlight.size >= MAX_IN_FLIGHT || this.#stopped) return;
      const giveUp = new AbortController();
      // A deadline as well as the abort: the client ignores a signal that aborted before the
      // update-with-start's RPC went out (measured in 1.24: pending forever), and a renewal
      // answered after its lease gives nothing. So `stop` waits a lease at most, and no call
      // outlives it to be retried on a closed connection.
      const renewal = this.#client
        .withDeadline(Date.now() + LEASE_MS, () =>
          this.#client.withAbortSignal(giveUp.signal, () => this.renew()),
        )
        .catch((err: unknown) => {
          if (!this.#stopped)
            this.#warn(
              `Could not renew this worker's send share: ${err instanceof Error ? err.message : String(err)}`,
            );
        })
        .finally(() => this.#inFlight.delete(renewal));
      this.#inFlight.set(renewal, giveUp);
    };
    tick();
    this.#timer = setInterval(tick, RENEW_EVERY_MS);
  }

  /** Stops renewing, and gives up the renewals in flight: call before the connection closes. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopped = true;
    for (const giveUp of this.#inFlight.values()) giveUp.abort();
    await Promise.allSettled(this.#inFlight.keys());
  }

  async renew(): Promise<void> {
    const askedAt = performance.now();
    const grant = await this.#client.workflow.executeUpdateWithStart(renewShareUpdate, {
      args: [{ member: this.id }],
      startWorkflowOperation: sendSharesStart(this.#taskQueue),
    });
    const held = this.#held;
    const lapsed = held !== undefined && performance.now() >= held.askedAt + LEASE_MS;
    if (lapsed)
      this.#warn(
        `This worker's send share lapsed: no renewal was answered within ${LEASE_MS} ms of its asking, so it sent nothing meanwhile`,
      );
    if (!held || lapsed || grant.epoch >= held.grant.epoch) this.#held = { grant, askedAt };
  }
}
