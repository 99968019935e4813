import { fileURLToPath } from 'node:url';
import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, NexusOperationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  awaitExportViaNexus,
  diagnoseServer,
} from '../../examples/nexus-callers/typescript/nexus-caller.js';
import {
  collectServerLogsWorkflowId,
  DEFAULT_NEXUS_ENDPOINT,
  FailureType,
  logCollectionFailureOf,
  logExportWorkflowId,
  type TrackLogExportInput,
} from '../../src/contract/index.js';
import { ensureNexusEndpoint } from '../../src/nexus/endpoint.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

/** Another team's namespace on the same cluster, with its own worker and task queue. */
const CALLERS = 'callers';
const CALLER_QUEUE = `nexus-callers-${Date.now()}`;

let h: Harness;
let callers: Client;
let callerWorker: Worker;
let callerRun: Promise<void>;

beforeAll(async () => {
  h = await startHarness({
    // Trackers continue as new after a few polls, so the counts are seen to survive it.
    devServerArgs: [
      '--namespace',
      CALLERS,
      '--dynamic-config-value',
      'limit.historyCount.suggestContinueAsNew=40',
    ],
    simulator: { defaultScenario: { durationMs: 1_500, archiveBytes: 5_000 } },
  });
  await ensureNexusEndpoint(h.env.connection, {
    name: DEFAULT_NEXUS_ENDPOINT,
    namespace: 'default',
    taskQueue: h.taskQueue,
  });
  callers = new Client({ connection: h.env.connection, namespace: CALLERS });
  callerWorker = await Worker.create({
    connection: h.env.nativeConnection,
    namespace: CALLERS,
    taskQueue: CALLER_QUEUE,
    workflowsPath: fileURLToPath(
      new URL('../../examples/nexus-callers/typescript/nexus-caller.ts', import.meta.url),
    ),
  });
  callerRun = callerWorker.run();
}, 120_000);
afterAll(async () => {
  callerWorker?.shutdown();
  await callerRun;
  await h?.close();
});

/** A new export of the simulator, and the tracking input for it. */
function newExport(serverId: string, scenario: Parameters<Harness['sim']['createExport']>[2]) {
  const { exportId } = h.sim.createExport('proj-nx', serverId, scenario);
  return { projectId: 'proj-nx', serverId, exportId, policy: FAST_POLICY };
}

let seq = 0;
function awaitExport(input: TrackLogExportInput) {
  return callers.workflow.start<typeof awaitExportViaNexus>('awaitExportViaNexus', {
    taskQueue: CALLER_QUEUE,
    workflowId: `await-export-${Date.now()}-${seq++}`,
    args: [input],
  });
}

function diagnose(serverId: string) {
  return callers.workflow.start<typeof diagnoseServer>('diagnoseServer', {
    taskQueue: CALLER_QUEUE,
    workflowId: `diagnose-${serverId}-${Date.now()}`,
    args: [{ projectId: 'proj-nx', serverId, policy: FAST_POLICY }],
  });
}

async function rejectionOf(run: Promise<unknown>): Promise<WorkflowFailedError> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return err as WorkflowFailedError;
}

async function cancelRequested(handle: WorkflowHandle): Promise<boolean> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).some((e) => e.workflowExecutionCancelRequestedEventAttributes);
}

/** As the issue puts it: our failure type is that of the cause of the Nexus operation's failure. */
function operationCauseType(err: WorkflowFailedError): string | undefined {
  expect(err.cause).toBeInstanceOf(NexusOperationFailure);
  const cause = err.cause?.cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return (cause as ApplicationFailure).type ?? undefined;
}

describe('log collection through the Nexus endpoint, from another namespace', () => {
  it('collects a server and returns the archive', async () => {
    h.sim.addServer('proj-nx', 'srv-ok');
    const diagnosis = await (await diagnose('srv-ok')).result();
    const [record] = h.sim.exportsOf('proj-nx', 'srv-ok');
    expect(record).toBeDefined();
    const digest = await h.sim.archiveDigest(record as NonNullable<typeof record>);
    expect(diagnosis).toEqual({ archive: expect.stringContaining('srv-ok'), sha256: digest.sha256 });
    const collection = await h.env.client.workflow
      .getHandle(collectServerLogsWorkflowId({ projectId: 'proj-nx', serverId: 'srv-ok' }))
      .describe();
    expect(collection.memo).toMatchObject({ startedForNexus: true });
  });

  it('tracks an export and returns the tracker result', async () => {
    const input = newExport('srv-track', { durationMs: 1_000 });
    const result = await (await awaitExport(input)).result();
    expect(result).toMatchObject({ outcome: 'completed', exportId: input.exportId, percentage: 100 });
  });

  it('gives the caller our typed failures in the operation error', async () => {
    h.sim.addServer('proj-nx', 'srv-failing', { exportScenario: { outcome: 'failed', durationMs: 800 } });
    const tolerated = await (await diagnose('srv-failing')).result();
    expect(tolerated).toEqual({ missing: expect.stringContaining('failed according to the API') });

    const failed = newExport('srv-f2', { outcome: 'failed', durationMs: 500 });
    const err = await rejectionOf((await awaitExport(failed)).result());
    expect(operationCauseType(err)).toBe(FailureType.LogExportFailed);

    const notFound = await rejectionOf((await diagnose('srv-unknown')).result());
    expect(operationCauseType(notFound)).toBe(FailureType.LogExportNotFound);

    const invalid = await rejectionOf(
      (await awaitExport({ projectId: 'proj-nx', serverId: '../etc', exportId: 'x' })).result(),
    );
    expect(operationCauseType(invalid)).toBe(FailureType.InvalidInput);
    expect(logCollectionFailureOf(invalid)?.message).toContain('serverId');
    expect(h.sim.requestsTo('etc')).toHaveLength(0);
  });

  it('lets two callers for one export share one tracker', async () => {
    const input = newExport('srv-shared', { durationMs: 4_000 });
    const [first, second] = await Promise.all([awaitExport(input), awaitExport(input)]);
    const [a, b] = await Promise.all([first.result(), second.result()]);
    expect(a).toEqual(b);
    // One poller: every status poll the API saw is one the single tracker counted.
    expect(h.sim.statusTally(input).requests).toBe(a.polls);
    const tracker = await h.env.client.workflow.getHandle(logExportWorkflowId(input)).describe();
    expect(tracker.raw.callbacks).toHaveLength(2);
  });

  it('cancels the tracker only when its last caller cancels, across continue-as-new', async () => {
    const input = newExport('srv-cancel', { durationMs: 120_000 });
    const tracker = h.env.client.workflow.getHandle(logExportWorkflowId(input));
    const first = await awaitExport(input);
    const second = await awaitExport(input);
    const firstRun = await waitFor(
      async () => {
        const description = await tracker.describe().catch(() => undefined);
        return description?.raw.callbacks?.length === 2 ? description.runId : undefined;
      },
      { what: 'both callers to be attached to the tracker' },
    );
    await waitFor(async () => ((await tracker.describe()).runId !== firstRun ? true : undefined), {
      what: 'the tracker to continue as new',
    });

    // The caller waits until our handler has been told, so any cancellation it asked for is in history.
    await first.cancel();
    await rejectionOf(first.result());
    expect(await cancelRequested(tracker)).toBe(false);

    await second.cancel();
    await rejectionOf(second.result());
    await waitFor(async () => ((await tracker.describe()).status.name === 'CANCELLED' ? true : undefined), {
      what: 'the tracker to be cancelled',
    });
  });

  it('never cancels a tracker someone else started', async () => {
    const input = newExport('srv-operator', { durationMs: 120_000 });
    const operators = await h.track(input);
    const caller = await awaitExport(input);
    await waitFor(async () => ((await operators.describe()).raw.callbacks?.length === 1 ? true : undefined), {
      what: 'the caller to be attached',
    });
    await caller.cancel();
    await rejectionOf(caller.result());
    expect(await cancelRequested(operators)).toBe(false);
    await operators.cancel();
  });
});
