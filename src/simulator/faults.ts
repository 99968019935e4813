import { z } from 'zod';

/**
 * Faults the simulator can inject in place of a normal answer. Rules are consumed in order: the
 * first rule that matches a request and has uses left decides what happens to it.
 */
export const faultSchema = z.discriminatedUnion('kind', [
  /** Any status with an optional body and headers, e.g. 500, 403 or 429. */
  z.strictObject({
    kind: z.literal('status'),
    status: z.number().int().min(100).max(599),
    body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    /** A `Retry-After` computed when the answer is sent, as delta-seconds or as an HTTP-date. */
    retryAfter: z
      .strictObject({ seconds: z.number().int().nonnegative(), as: z.enum(['delta', 'http-date']) })
      .optional(),
  }),
  /** Waits before answering normally (or before the next fault's effect). */
  z.strictObject({ kind: z.literal('delay'), ms: z.number().int().nonnegative() }),
  /** Closes the connection without any answer. */
  z.strictObject({ kind: z.literal('drop') }),
  /** A 200 whose body is not the JSON the API promises. */
  z.strictObject({
    kind: z.literal('malformed'),
    body: z.string().default('{"export_id": "1", "status": '),
    contentType: z.string().default('application/json'),
  }),
  /** Sends the headers and part of the body, then resets the connection. */
  z.strictObject({ kind: z.literal('reset-mid-body') }),
  /** Answers normally, but sends an archive's body at this pace (a slow link, a long download). */
  z.strictObject({ kind: z.literal('trickle'), bytesPerSecond: z.number().int().positive() }),
]);

export const faultRuleSchema = z.strictObject({
  fault: faultSchema,
  /** How many requests this rule hits; default 1. */
  times: z.number().int().positive().default(1),
  /** Only requests whose method and path match; a path matcher is a substring or a RegExp source. */
  method: z.string().optional(),
  path: z.string().optional(),
});

export type Fault = z.output<typeof faultSchema>;
export type FaultRuleInput = z.input<typeof faultRuleSchema>;

interface ActiveRule {
  fault: Fault;
  remaining: number;
  method?: string;
  pathPattern?: RegExp;
}

/** The queue of injected faults. */
export class FaultPlan {
  #rules: ActiveRule[] = [];
  #injected = 0;

  /** Faults applied to requests so far. */
  get injected(): number {
    return this.#injected;
  }

  /** Faults still waiting for a matching request. */
  get pending(): number {
    return this.#rules.reduce((sum, rule) => sum + rule.remaining, 0);
  }

  add(...inputs: FaultRuleInput[]): void {
    for (const input of inputs) {
      const rule = faultRuleSchema.parse(input);
      this.#rules.push({
        fault: rule.fault,
        remaining: rule.times,
        ...(rule.method ? { method: rule.method.toUpperCase() } : {}),
        ...(rule.path ? { pathPattern: new RegExp(rule.path) } : {}),
      });
    }
  }

  /** Drops every rule, or only those aimed at `path` (as given to `add`), so other tests keep theirs. */
  clear(path?: string): void {
    const source = path === undefined ? undefined : new RegExp(path).source;
    this.#rules =
      source === undefined ? [] : this.#rules.filter((rule) => rule.pathPattern?.source !== source);
  }

  /** Takes the fault for this request, if any rule matches. */
  take(method: string, path: string): Fault | undefined {
    const rule = this.#rules.find(
      (r) =>
        r.remaining > 0 && (!r.method || r.method === method) && (!r.pathPattern || r.pathPattern.test(path)),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.#injected += 1;
    this.#rules = this.#rules.filter((r) => r.remaining > 0);
    return rule.fault;
  }
}
