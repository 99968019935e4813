import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExportStatusSnapshot,
  extendTimeoutUpdate,
  FailureType,
  getProgressQuery,
  logExportWorkflowId,
  PERCENT_STEP,
  pollNowSignal,
  SearchAttribute,
} from '../../src/contract/index.js';
import { ACTIVATION_DEADLOCK_TIMEOUT_MS } from '../../src/worker/tracker-worker.js';
import { applicationFailure, workflowFailure } from '../helpers/failures.js';
import { FAST_POLICY, type Harness, startHarness, TEST_TOKEN, waitFor } from '../helpers/harness.js';
import { expectNoSecrets } from '../helpers/secrets.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const PROJECT = 'proj-track';

it("gives a workflow activation a minute before taking it for a deadlock: the SDK's 5 s fires on a starved worker and Node 20 dies of it", () => {
  expect(h.worker.options.isolateExecutionTimeoutMs).toBe(ACTIVATION_DEADLOCK_TIMEOUT_MS);
});

describe.concurrent('trackLogExport: outcomes', () => {
  it.each([
    ['percent-string', 'processing', 'completed'],
    ['number', 'Running', 'Completed'],
    ['numeric-string', 'processing', 'SUCCESS'],
  ] as const)(
    'completes an export whose percentage is a %s',
    async (percentageFormat, runningStatus, finalStatus) => {
      const sim = h.sim.createExport(PROJECT, 'srv-1', {
        // Long enough that the first poll finds it running even on a loaded machine: the running
        // answer is the one whose percentage format is under test.
        durationMs: 2_500,
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
      expect(handle.workflowId).toBe(
        logExportWorkflowId({ projectId: PROJECT, serverId: 'srv-1', exportId: sim.exportId }),
      );

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
      expect(Date.parse(result.startedAt)).toBeLessThanOrEqual(Date.parse(result.completedAt));
      expect(result.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(await handle.query(getProgressQuery)).toMatchObject({
        status: finalStatus,
        percentage: 100,
        polls: result.polls,
      });
      expect(h.sim.statusRequests(sim)).toHaveLength(result.polls);
    },
  );

  it('completes when the percentage reaches 100 although the status still says Running', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-2', {
      durationMs: 800,
      runningStatus: 'Running',
      finalStatus: 'Running',
    });
    const result = await (
      await h.track({ projectId: PROJECT, serverId: 'srv-2', exportId: sim.exportId, policy: FAST_POLICY })
    ).result();
    expect(result).toMatchObject({ outcome: 'completed', status: 'Running', percentage: 100 });
  });

  it('fails with LogExportFailed when the API reports a failure status', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-3', {
      durationMs: 1_000,
      outcome: 'failed',
      failAtPercent: 40,
      finalStatus: 'Failed',
    });
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-3',
      exportId: sim.exportId,
      policy: FAST_POLICY,
    });
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.LogExportFailed);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`Log export ${sim.exportId} of server srv-3`);
    expect(failure.message).toContain('"Failed"');
    expect(failure.message).toMatch(/X-Request-Id [0-9a-f]{32}/);
  });

  it('fails with LogExportNotFound, naming the request ID and the API error, for an unknown export', async () => {
    h.sim.addServer(PROJECT, 'srv-4');
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-4',
      exportId: 'no-such-export',
      policy: FAST_POLICY,
    });
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.LogExportNotFound);
    expect(failure.message).toContain('no-such-export');
    expect(failure.message).toMatch(/X-Request-Id [0-9a-f]{32}/);
    expect(failure.message).toContain('error_code CLOUDDC.0404');
    expect(
      h.sim.statusRequests({ projectId: PROJECT, serverId: 'srv-4', exportId: 'no-such-export' }),
    ).toHaveLength(1);
  });

  it('fails with LogExportTimedOut when the policy timeout passes first', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-5', { durationMs: 60_000 });
    const started = Date.now();
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-5',
      exportId: sim.exportId,
      policy: { ...FAST_POLICY, timeout: '1500ms' },
    });
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.LogExportTimedOut);
    expect(failure.message).toContain('did not finish within 1.5s');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails with LogExportStalled when the percentage stops moving for stallTimeout', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-6', {
      durationMs: 1_000,
      stall: { atPercent: 30, forMs: 60_000 },
    });
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-6',
      exportId: sim.exportId,
      policy: { ...FAST_POLICY, stallTimeout: '1s' },
    });
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.LogExportStalled);
    expect(failure.message).toMatch(/made no progress for 1s: status "processing" at 30%/);
  });

  it('rides through a stall shorter than stallTimeout', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-7', {
      durationMs: 600,
      stall: { atPercent: 50, forMs: 700 },
    });
    const result = await (
      await h.track({
        projectId: PROJECT,
        serverId: 'srv-7',
        exportId: sim.exportId,
        policy: { ...FAST_POLICY, stallTimeout: '5s' },
      })
    ).result();
    expect(result.outcome).toBe('completed');
  });
});

describe.concurrent('trackLogExport: steering', () => {
  it('attaches a second start for the same export to the running tracker', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-10', { durationMs: 1_500 });
    const input = { projectId: PROJECT, serverId: 'srv-10', exportId: sim.exportId, policy: FAST_POLICY };
    const first = await h.track(input);
    const second = await h.track(input);
    expect(second.workflowId).toBe(first.workflowId);
    const firstRun = (await first.describe()).runId;
    expect((await second.describe()).runId).toBe(firstRun);
    const result = await second.result();
    const executions = [];
    for await (const execution of h.env.client.workflow.list({
      query: `WorkflowId = '${first.workflowId}'`,
    })) {
      executions.push(execution);
    }
    expect(executions.map((e) => e.runId)).toEqual([firstRun]);
    expect(h.sim.statusRequests(sim)).toHaveLength(result.polls);
  });

  it('answers getProgress while tracking and polls at once on pollNow', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-11', { durationMs: 120_000 });
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-11',
      exportId: sim.exportId,
      policy: { minInterval: '1m', maxInterval: '1m' },
    });
    const first = await waitFor(
      async () => {
        const p = await handle.query(getProgressQuery);
        return p.polls === 1 && p.nextPollAt ? p : undefined;
      },
      { what: 'the first poll' },
    );
    expect(first.status).toBe('processing');
    expect(first.percentage).toBeGreaterThanOrEqual(0);
    expect(Date.parse(first.nextPollAt ?? '')).toBeGreaterThan(Date.now() + 30_000);
    expect(Date.parse(first.lastPolledAt ?? '')).toBeGreaterThanOrEqual(Date.parse(first.startedAt));
    // The reading is of when the API answered, as the activity stamped it, not of when the
    // workflow task that read it ran.
    const answers = ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
      const payload = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      return payload ? [defaultPayloadConverter.fromPayload<ExportStatusSnapshot>(payload)] : [];
    });
    expect(answers).toHaveLength(1);
    expect(Date.parse(first.lastPolledAt ?? '')).toBe(answers[0]?.answeredAt);

    const signalled = Date.now();
    await handle.signal(pollNowSignal);
    await waitFor(async () => ((await handle.query(getProgressQuery)).polls === 2 ? true : undefined), {
      what: 'the poll after pollNow',
    });
    expect(Date.now() - signalled).toBeLessThan(5_000);
    await handle.cancel();
  });

  it('gives more time through the extendTimeout update, refuses bad extensions, and shows details in the UI', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-13', { durationMs: 5_000 });
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-13',
      exportId: sim.exportId,
      policy: { ...FAST_POLICY, timeout: '3s' },
    });
    const { deadline } = await handle.executeUpdate(extendTimeoutUpdate, { args: [{ by: '30s' }] });
    expect(Date.parse(deadline)).toBeGreaterThan(Date.now() + 25_000);
    await expect(handle.executeUpdate(extendTimeoutUpdate, { args: [{ by: 'soon' }] })).rejects.toMatchObject(
      {
        cause: { type: FailureType.InvalidInput, message: expect.stringContaining('by') },
      },
    );
    await expect(
      handle.executeUpdate(extendTimeoutUpdate, { args: [{ until: '2020-01-01T00:00:00Z' }] }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringContaining('not later than the current one') },
    });
    const metadata = await waitFor(async () => {
      const m = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      return m.currentDetails?.includes('**Progress:**') ? m : undefined;
    });
    expect(metadata.currentDetails).toContain(`**Gives up at:** ${deadline}`);
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
  });

  it('can be found by its search attributes while running and once completed', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-14', { durationMs: 4_000 });
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-14',
      exportId: sim.exportId,
      policy: FAST_POLICY,
    });
    const find = (query: string) =>
      waitFor(
        async () => {
          for await (const execution of h.env.client.workflow.list({ query })) return execution;
          return undefined;
        },
        { what: query },
      );
    const running = await find(`CloudDCServerId = 'srv-14' AND LogExportStatus = 'running'`);
    expect(running.workflowId).toBe(handle.workflowId);
    expect(running.typedSearchAttributes.get(SearchAttribute.exportId)).toBe(sim.exportId);
    expect(running.typedSearchAttributes.get(SearchAttribute.projectId)).toBe(PROJECT);
    // With a few readings, getProgress carries an estimated completion near the real one.
    const eta = await waitFor(async () => (await handle.query(getProgressQuery)).eta, {
      what: 'an estimate',
    });
    expect(Math.abs(Date.parse(eta) - sim.finishesAt)).toBeLessThan(3_000);
    await handle.result();
    const done = await find(
      `CloudDCExportId = '${sim.exportId}' AND CloudDCServerId = 'srv-14' AND LogExportStatus = 'completed' AND LogExportPercent = 100`,
    );
    expect(done.workflowId).toBe(handle.workflowId);
    // Only changes are upserted: ids once, then each new status or 10-point step.
    const upserts = ((await handle.fetchHistory()).events ?? []).filter(
      (e) => e.upsertWorkflowSearchAttributesEventAttributes,
    );
    expect(upserts.length).toBeLessThanOrEqual(2 + 100 / PERCENT_STEP + 1);
  });

  it('ends promptly as cancelled when the workflow is cancelled', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-12', { durationMs: 120_000 });
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-12',
      exportId: sim.exportId,
      policy: { minInterval: '1m', maxInterval: '1m' },
    });
    await waitFor(async () => ((await handle.query(getProgressQuery)).polls === 1 ? true : undefined));
    const cancelled = Date.now();
    await handle.cancel();
    const failure = await workflowFailure(handle.result());
    expect(failure.name).toBe('CancelledFailure');
    expect(Date.now() - cancelled).toBeLessThan(5_000);
    const description = await handle.describe();
    expect(description.status.name).toBe('CANCELLED');
    expect(description.typedSearchAttributes.get(SearchAttribute.status)).toBe('cancelled');
  });
});

describe('secrets', () => {
  it('never puts the token in a workflow history or the worker log', async () => {
    expect(h.started.length).toBeGreaterThan(5);
    await expectNoSecrets(h, [TEST_TOKEN]);
  });
});

describe('trackLogExport: invalid input', () => {
  it('rejects bad input sent as raw JSON with InvalidInput before any API call', async () => {
    const requestsBefore = h.sim.requests.length;
    const handle = await h.env.client.workflow.start('trackLogExport', {
      taskQueue: h.taskQueue,
      workflowId: `bad-input-${Date.now()}`,
      args: [
        { projectId: PROJECT, serverId: 'a/../b', exportId: '', extra: 1, policy: { minInterval: 'soon' } },
      ],
    });
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.InvalidInput);
    expect(failure.nonRetryable).toBe(true);
    for (const field of ['serverId', 'exportId', 'extra: unknown field', 'policy.minInterval']) {
      expect(failure.message).toContain(field);
    }
    expect(h.sim.requests.length).toBe(requestsBefore);
  });

  it('rejects bad input in the client helper with the same message, without starting anything', async () => {
    await expect(h.track({ projectId: PROJECT, serverId: 'srv 1', exportId: 'x' })).rejects.toMatchObject({
      type: FailureType.InvalidInput,
      message: expect.stringContaining('serverId: must not contain white space'),
    });
  });
});
