import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, ChildWorkflowFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { remediateServer } from '../../examples/parent-workflow/remediation.js';
import { collectServerLogsWorkflowId, FailureType } from '../../src/contract/index.js';
import { workflowFailure } from '../helpers/failures.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

let h: Harness;
let teamWorker: Worker;
let teamRun: Promise<void>;
const TEAM_QUEUE = `remediation-${Date.now()}`;

beforeAll(async () => {
  h = await startHarness({ simulator: { defaultScenario: { durationMs: 1_000, archiveBytes: 5_000 } } });
  // Another team's worker: its own task queue, its own bundle, none of our activities.
  teamWorker = await Worker.create({
    connection: h.env.nativeConnection,
    taskQueue: TEAM_QUEUE,
    workflowsPath: fileURLToPath(new URL('../../examples/parent-workflow/workflows.ts', import.meta.url)),
  });
  teamRun = teamWorker.run();
});
afterAll(async () => {
  teamWorker?.shutdown();
  await teamRun;
  await h?.close();
});

function remediate(serverId: string) {
  return h.env.client.workflow.start<typeof remediateServer>('remediateServer', {
    taskQueue: TEAM_QUEUE,
    workflowId: `remediate-${serverId}-${Date.now()}`,
    args: [{ projectId: 'proj-team', serverId, logTaskQueue: h.taskQueue, logPolicy: FAST_POLICY }],
  });
}

describe('a parent workflow of another team', () => {
  it('receives the collection result from the child', async () => {
    h.sim.addServer('proj-team', 'srv-ok');
    const result = await (await remediate('srv-ok')).result();
    expect(result.serverId).toBe('srv-ok');
    expect(result.diagnostics).toMatchObject({
      archive: expect.stringContaining('srv-ok'),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('receives typed failures: one it handles, one that fails it', async () => {
    h.sim.addServer('proj-team', 'srv-failing', { exportScenario: { outcome: 'failed' } });
    const tolerated = await (await remediate('srv-failing')).result();
    expect(tolerated.diagnostics).toMatchObject({
      missing: expect.stringContaining('failed according to the API'),
    });

    const err = await (await remediate('srv-unknown')).result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const child = (err as WorkflowFailedError).cause;
    expect(child).toBeInstanceOf(ChildWorkflowFailure);
    expect((child as ChildWorkflowFailure).cause).toBeInstanceOf(ApplicationFailure);
    expect(((child as ChildWorkflowFailure).cause as ApplicationFailure).type).toBe(
      FailureType.LogExportNotFound,
    );
  });

  it('cancels the collection child when the parent is cancelled', async () => {
    h.sim.addServer('proj-team', 'srv-slow', { exportScenario: { durationMs: 120_000 } });
    const parent = await remediate('srv-slow');
    const child = h.env.client.workflow.getHandle(
      collectServerLogsWorkflowId({ projectId: 'proj-team', serverId: 'srv-slow' }),
    );
    await waitFor(
      async () =>
        (await child.describe().catch(() => undefined))?.status.name === 'RUNNING' ? true : undefined,
      {
        what: 'the child to run',
      },
    );
    await parent.cancel();
    expect((await workflowFailure(parent.result())).name).toBe('CancelledFailure');
    await waitFor(async () => ((await child.describe()).status.name === 'CANCELLED' ? true : undefined), {
      what: 'the child to be cancelled',
    });
  });
});
