import { CancellationScope, isCancellation } from '@temporalio/workflow';

/**
 * The pace holders a budget keeper keeps queued while it boosts its project (`boost.ts`): no-op
 * activities that take the project's turn when none of its calls is ready for it. `taken` hears of
 * each turn a holder took; `keep(0)` cancels the rest, which the server then drops without
 * spending the project's turn on them.
 */
export class PaceHolders {
  readonly #hold: () => Promise<void>;
  readonly #taken: (at: number) => void;
  #scope: CancellationScope | undefined;
  #queued = 0;

  constructor(hold: () => Promise<void>, taken: (at: number) => void) {
    this.#hold = hold;
    this.#taken = taken;
  }

  get queued(): number {
    return this.#queued;
  }

  keep(count: number): void {
    if (count === 0) {
      this.#scope?.cancel();
      this.#scope = undefined;
      this.#queued = 0;
      return;
    }
    this.#scope ??= new CancellationScope();
    const scope = this.#scope;
    while (this.#queued < count) {
      this.#queued++;
      scope
        .run(() => this.#hold())
        .then(
          () => this.#settled(scope, true),
          (err: unknown) => {
            if (!isCancellation(err)) this.#settled(scope, false);
          },
        );
    }
  }

  /** A holder that failed (its worker died) took no turn the keeper knows of: it is only replaced. */
  #settled(scope: CancellationScope, tookTurn: boolean): void {
    if (scope !== this.#scope) return;
    this.#queued--;
    if (tookTurn) this.#taken(Date.now());
  }
}
