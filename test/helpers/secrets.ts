import { expect } from 'vitest';
import type { Harness } from './harness.js';

/**
 * JSON of histories and log entries with every payload decoded as text (fetched histories carry
 * payload data as base64, or as bytes), so a secret inside a payload would show.
 */
export function readable(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (typeof v === 'bigint') return String(v);
    if (key === 'data' && typeof v === 'string') return `${v} ${Buffer.from(v, 'base64').toString('utf8')}`;
    return v;
  });
}

/**
 * Fetches the full history of every workflow the harness started (inputs, results, failures,
 * heartbeat details, search attributes, memos all live there) and the worker's log, and checks
 * that none of `secrets` appears, after checking that payloads were decoded (`known`, by default
 * a key of the input's JSON, found only once payloads are decoded, must appear).
 */
export async function expectNoSecrets(
  h: Harness,
  secrets: readonly string[],
  known = 'projectId',
): Promise<void> {
  expect(h.started.length).toBeGreaterThan(0);
  expect(secrets.length).toBeGreaterThan(0);
  for (const workflowId of new Set(h.started)) {
    const text = readable(await h.env.client.workflow.getHandle(workflowId).fetchHistory());
    expect(text).toContain(known);
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
  const logs = readable(h.logs);
  for (const secret of secrets) expect(logs).not.toContain(secret);
}
