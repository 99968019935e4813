import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, getProgressQuery } from '../../src/contract/index.js';
import { FAST_POLICY, type Harness, startHarness, uniqueExportId } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const PROJECT = 'proj-1';

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('trackLogExport against the simulator', () => {
  it.each([
    ['percent-string', 'processing', 'completed'],
    ['number', 'Running', 'Completed'],
  ] as const)(
    'completes an export whose percentage is a %s',
    async (percentageFormat, runningStatus, finalStatus) => {
      const exportId = uniqueExportId();
      const sim = h.sim.createExport(PROJECT, 'srv-1', {
        durationMs: 1_500,
        percentageFormat,
        runningStatus,
        finalStatus,
      });
      const handle = await h.track({
        projectId: PROJECT,
        serverId: 'srv-1',
        exportId: sim.exportId,
        policy: FAST_POLICY,
      });
      void exportId;
      const result = await handle.result();
      expect(result).toMatchObject({
        projectId: PROJECT,
        serverId: 'srv-1',
        exportId: sim.exportId,
        outcome: 'completed',
        status: finalStatus,
        percentage: 100,
      });
      expect(result.polls).toBeGreaterThanOrEqual(2);
      expect(Date.parse(result.completedAt)).toBeGreaterThanOrEqual(sim.finishesAt);
      expect(result.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      const progress = await handle.query(getProgressQuery);
      expect(progress).toMatchObject({ status: finalStatus, percentage: 100, polls: result.polls });
    },
  );

  it('fails with LogExportNotFound for an unknown export', async () => {
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-1',
      exportId: 'no-such-export',
      policy: FAST_POLICY,
    });
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe(FailureType.NotFound);
    expect(failure.message).toContain('no-such-export');
    expect(failure.message).toMatch(/X-Request-Id [0-9a-f]{32}/);
    expect(failure.message).toContain('CLOUDDC.0404');
  });
});
