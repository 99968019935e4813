import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSharesWorkflowId } from '../../src/contract/index.js';
import { startDevServer } from '../../src/dev/dev-server.js';
import { LEASE_MS } from '../../src/request-budget/send-shares.js';
import { ShareMember } from '../../src/request-budget/share-member.js';
import { waitFor } from '../helpers/harness.js';
import { testLogFile } from '../helpers/test-logs.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer({ outputFile: testLogFile() });
});
afterAll(async () => {
  await env?.teardown();
});

/** Whether `work` settled within `ms`. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = work.then(
    () => true as const,
    () => true as const,
  );
  const result = await Promise.race([settled, late]);
  clearTimeout(timer);
  return result;
}

describe("a worker's send-share membership", () => {
  it('stops within a lease, even when stopped while its first renewal is going out', async () => {
    // No worker polls this queue: the registry never answers, as when the worker that would run
    // it is the one shutting down.
    const warnings: string[] = [];
    const member = new ShareMember(env.client, `shares-${randomUUID()}`, 'member-1', (m) => warnings.push(m));
    member.start();
    expect(await settlesWithin(member.stop(), LEASE_MS + 3_000)).toBe(true);
    expect(member.placesFor('p-1', 10)).toBe(0);
    expect(warnings).toEqual([]);
  }, 30_000);

  it('stops at once while a renewal waits for its answer', async () => {
    const taskQueue = `shares-${randomUUID()}`;
    const member = new ShareMember(env.client, taskQueue, 'member-1', () => {});
    member.start();
    // The renewal started the registry: its update is out, waiting for an answer.
    await waitFor(
      () =>
        env.client.workflow
          .getHandle(sendSharesWorkflowId(taskQueue))
          .describe()
          .then(
            () => true,
            () => undefined,
          ),
      { what: 'the registry to start' },
    );
    expect(await settlesWithin(member.stop(), 5_000)).toBe(true);
  });
});
