import { afterAnswer, afterSend, emptyGate, type GatePlaces, sendableAt } from './send-gate.js';

/** Temporal's default priority key, for a request whose activity has none. */
const DEFAULT_PRIORITY_KEY = 3;

/** How often waiting requests look again while their gate waits for answers or a new grant. */
const RECHECK_MS = 50;

/**
 * One send gate per project for this worker process (`send-gate.ts`), with as many places as its
 * share of the project's quota gives it now (`places`). Requests waiting for a place go in the
 * order of their activity's priority key, as on the server (an urgent poll ahead of routine
 * ones), then first come, first served. `enter` resolves when the request may be sent, with the
 * function to call once it was answered (or failed); it rejects if `signal` aborts first.
 */
export class SendGates {
  readonly #places: (projectId: string) => number;
  readonly #now: () => number;
  readonly #gates = new Map<string, GatePlaces>();
  readonly #waiting = new Map<string, Array<{ go: () => void; priorityKey: number }>>();
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(places: (projectId: string) => number, now: () => number = Date.now) {
    this.#places = places;
    this.#now = now;
  }

  enter(
    projectId: string,
    {
      signal,
      priorityKey = DEFAULT_PRIORITY_KEY,
    }: { signal?: AbortSignal | undefined; priorityKey?: number } = {},
  ): Promise<(answeredAt?: number) => void> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter = {
        priorityKey,
        go: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve((answeredAt = this.#now()) => this.#answered(projectId, answeredAt));
        },
      };
      const onAbort = () => {
        const line = this.#waiting.get(projectId) ?? [];
        const index = line.indexOf(waiter);
        if (index >= 0) line.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const line = this.#waiting.get(projectId) ?? [];
      const behind = line.findIndex((w) => w.priorityKey > priorityKey);
      line.splice(behind < 0 ? line.length : behind, 0, waiter);
      this.#waiting.set(projectId, line);
      this.#admit(projectId);
    });
  }

  #answered(projectId: string, at: number): void {
    this.#gates.set(projectId, afterAnswer(this.#gates.get(projectId) ?? emptyGate(), at));
    this.#admit(projectId);
  }

  #admit(projectId: string): void {
    const line = this.#waiting.get(projectId) ?? [];
    while (line.length > 0) {
      const now = this.#now();
      const gate = this.#gates.get(projectId) ?? emptyGate();
      const at = sendableAt(gate, now, this.#places(projectId));
      if (at !== now) {
        this.#recheck(projectId, at === undefined ? RECHECK_MS : Math.min(RECHECK_MS, at - now));
        return;
      }
      this.#gates.set(projectId, afterSend(gate, now));
      line.shift()?.go();
    }
  }

  #recheck(projectId: string, afterMs: number): void {
    if (this.#timers.has(projectId)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(projectId);
      this.#admit(projectId);
    }, afterMs);
    timer.unref();
    this.#timers.set(projectId, timer);
  }
}
