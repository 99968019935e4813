import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollection } from '../../src/client/collection.js';
import {
  type CollectServerLogsInput,
  FailureType,
  getProgressQuery,
  logExportWorkflowId,
  type TrackLogExportInput,
} from '../../src/contract/index.js';
import { applicationFailure, workflowFailure } from '../helpers/failures.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ simulator: { defaultScenario: { durationMs: 1_500, archiveBytes: 300_000 } } });
});
afterAll(async () => {
  await h?.close();
});

const PROJECT = 'proj-collect';

function collect(serverId: string, extra: Pick<CollectServerLogsInput, 'destination' | 'policy'> = {}) {
  return startCollection(
    h.env.client,
    { projectId: PROJECT, serverId, policy: FAST_POLICY, ...extra },
    { taskQueue: h.taskQueue },
  );
}

function exportsPosted(serverId: string) {
  return h.sim.requests.filter(
    (r) => r.method === 'POST' && r.path === `/v1/${PROJECT}/physicalservers/${serverId}/logs/exports`,
  );
}

/** A collection of a new server whose tracker polls once a minute, once the tracker is started. */
async function collectingSlowly(serverId: string) {
  h.sim.addServer(PROJECT, serverId);
  const handle = await collect(serverId, { policy: { minInterval: '1m', maxInterval: '1m' } });
  const exportId = await waitFor(() => h.sim.exportsOf(PROJECT, serverId)[0]?.exportId, {
    what: 'the export request',
  });
  const tracker = h.env.client.workflow.getHandle(
    logExportWorkflowId({ projectId: PROJECT, serverId, exportId }),
  );
  return { handle, tracker };
}

/** The input a collection started its tracker with. */
async function trackerInput(tracker: ReturnType<typeof h.env.client.workflow.getHandle>) {
  const [started] = (await tracker.fetchHistory()).events ?? [];
  return defaultPayloadConverter.fromPayload<TrackLogExportInput>(
    started?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] ?? expect.fail('no input'),
  );
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe.concurrent('collectServerLogs', () => {
  it('requests an export, tracks it as a child, and downloads the archive with a matching checksum', async () => {
    h.sim.addServer(PROJECT, 'srv-1', { sn: 'SN2102311' });
    const handle = await collect('srv-1');
    const result = await handle.result();

    expect(exportsPosted('srv-1').map((r) => r.status)).toEqual([202]);
    const record =
      h.sim.getExport(PROJECT, 'srv-1', result.exportId) ?? expect.fail('no export in the simulator');
    const expected = await h.sim.archiveOf(record);
    expect(result).toMatchObject({
      projectId: PROJECT,
      serverId: 'srv-1',
      outcome: 'completed',
      percentage: 100,
    });
    const path = join(h.archiveDir, PROJECT, 'srv-1', `${result.exportId}-SN2102311-dump.tar.gz`);
    expect(result.archive).toEqual({
      url: pathToFileURL(path).href,
      path,
      bytes: expected.bytes.length,
      sha256: expected.sha256,
    });
    const onDisk = await readFile(path);
    expect(createHash('sha256').update(onDisk).digest('hex')).toBe(expected.sha256);

    const child = h.env.client.workflow.getHandle(
      logExportWorkflowId({ projectId: PROJECT, serverId: 'srv-1', exportId: result.exportId }),
    );
    expect((await child.describe()).status.name).toBe('COMPLETED');
  });

  it("takes the export request's answer as the first reading: the first status call waits for minInterval", async () => {
    h.sim.addServer(PROJECT, 'srv-accepted');
    const handle = await collect('srv-accepted', { policy: { minInterval: '1s', maxInterval: '2s' } });
    const result = await handle.result();
    const [post] = exportsPosted('srv-accepted');
    const record = h.sim.getExport(PROJECT, 'srv-accepted', result.exportId) ?? expect.fail('no export');
    const polls = h.sim.statusRequests(record);
    expect((polls[0]?.at ?? 0) - (post?.at ?? Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(1_000);
    expect(result.polls).toBe(polls.length);

    const tracker = h.env.client.workflow.getHandle(
      logExportWorkflowId({ projectId: PROJECT, serverId: 'srv-accepted', exportId: result.exportId }),
    );
    const input = await trackerInput(tracker);
    expect(input.accepted).toMatchObject({ percentage: expect.anything(), createdAt: expect.any(String) });
    // Timed when the API answered, before the collection started the tracker.
    const answeredAt = input.accepted?.answeredAt ?? expect.fail('no answer time');
    expect(answeredAt).toBeGreaterThanOrEqual(post?.at ?? Number.POSITIVE_INFINITY);
    expect(answeredAt).toBeLessThanOrEqual(Date.parse(result.startedAt));
  });

  it("times the tracker's first reading when the export request was answered, not when the tracker started", async () => {
    const { handle, tracker } = await collectingSlowly('srv-answered');
    const progress = await waitFor(
      async () => {
        const p = await tracker.query(getProgressQuery).catch(() => undefined);
        return p?.lastPolledAt ? p : undefined;
      },
      { what: 'the tracker to take the first reading' },
    );
    const input = await trackerInput(tracker);
    expect(progress.polls).toBe(0);
    expect(Date.parse(progress.lastPolledAt ?? '')).toBe(input.accepted?.answeredAt);
    expect(Date.parse(progress.lastPolledAt ?? '')).toBeLessThan(Date.parse(progress.startedAt));
    await handle.cancel();
  });

  it('keeps archives inside the archive directory, under the destination asked for', async () => {
    h.sim.addServer(PROJECT, 'srv-2');
    const result = await (await collect('srv-2', { destination: 'incident-42/night' })).result();
    expect(
      result.archive.path?.startsWith(join(h.archiveDir, 'incident-42', 'night', PROJECT, 'srv-2')),
    ).toBe(true);
    await expect(collect('srv-2', { destination: '../../etc' })).rejects.toMatchObject({
      type: FailureType.InvalidInput,
    });
  });

  it('restarts a download cut off mid-body, leaving no partial file behind', async () => {
    h.sim.addServer(PROJECT, 'srv-3');
    h.sim.injectFaults({ fault: { kind: 'reset-mid-body' }, path: '/srv-3/logs/exports/[^/]+/content$' });
    const result = await (await collect('srv-3')).result();
    const record = h.sim.getExport(PROJECT, 'srv-3', result.exportId) ?? expect.fail('no export');
    expect(result.archive.sha256).toBe((await h.sim.archiveOf(record)).sha256);
    expect(h.sim.requestsTo(`/srv-3/logs/exports/${result.exportId}/content`).map((r) => r.status)).toEqual([
      'reset',
      200,
    ]);
    const files = await filesUnder(join(h.archiveDir, PROJECT, 'srv-3'));
    expect(files).toEqual([result.archive.path]);
  });

  it('retries ExportServerLogs only when the API provably did not take it', async () => {
    h.sim.addServer(PROJECT, 'srv-4');
    h.sim.injectFaults({
      fault: { kind: 'status', status: 503 },
      method: 'POST',
      path: '/srv-4/logs/exports$',
      times: 2,
    });
    const result = await (await collect('srv-4')).result();
    expect(exportsPosted('srv-4').map((r) => r.status)).toEqual([503, 503, 202]);
    expect(result.outcome).toBe('completed');

    h.sim.addServer(PROJECT, 'srv-5');
    h.sim.injectFaults({ fault: { kind: 'drop' }, method: 'POST', path: '/srv-5/logs/exports$' });
    const failure = await applicationFailure((await collect('srv-5')).result());
    expect(failure.type).toBe(FailureType.LogExportRequestUncertain);
    expect(failure.message).toContain('not asking again');
    expect(exportsPosted('srv-5')).toHaveLength(1);
  });

  it('ends with the tracker failure type when the export fails', async () => {
    h.sim.addServer(PROJECT, 'srv-6', {
      exportScenario: { outcome: 'failed', failAtPercent: 30, durationMs: 1_000 },
    });
    const failure = await applicationFailure((await collect('srv-6')).result());
    expect(failure.type).toBe(FailureType.LogExportFailed);
    expect(failure.message).toContain('server srv-6');
    expect(h.sim.requestsTo('/srv-6/logs/exports/').filter((r) => r.path.endsWith('/content'))).toHaveLength(
      0,
    );
  });

  it('cancels the tracking child when the collection is cancelled', async () => {
    const { handle, tracker: child } = await collectingSlowly('srv-7');
    await waitFor(async () =>
      (await child.describe().catch(() => undefined))?.status.name === 'RUNNING' ? true : undefined,
    );
    await handle.cancel();
    expect((await workflowFailure(handle.result())).name).toBe('CancelledFailure');
    await waitFor(async () => ((await child.describe()).status.name === 'CANCELLED' ? true : undefined), {
      what: 'the child to be cancelled',
    });
  });
});
