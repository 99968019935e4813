import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ArchiveStoreError } from '../../src/activities/archive/sink.js';
import { startFleetCollection } from '../../src/client/collection.js';
import { readFleetServers } from '../../src/client/fleet-manifest.js';
import {
  type CollectFleetLogsResult,
  FailureType,
  type FleetServerLine,
  fleetManifestKey,
  getFleetProgressQuery,
  WorkflowType,
} from '../../src/contract/index.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

/** Keys under this destination are refused, as a store whose policy forbids a prefix refuses them. */
const REFUSED = 'refused';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    simulator: { defaultScenario: { durationMs: 500, archiveBytes: 3_000 } },
    wrapArchives: (sink) => ({
      ...sink,
      description: sink.description,
      open: (key, expected) =>
        key.startsWith(`${REFUSED}/fleets/`)
          ? Promise.reject(new ArchiveStoreError('access-denied', `writing ${key} is forbidden`))
          : sink.open(key, expected),
    }),
  });
});
afterAll(async () => {
  await h?.close();
});

it('stores the manifest beside the archives, under the fleet and its first run, and the result points at it', async () => {
  const PROJECT = 'proj-manifest';
  for (const serverId of ['srv-a', 'srv-b']) h.sim.addServer(PROJECT, serverId);
  const handle = await startFleetCollection(
    h.env.client,
    { projectId: PROJECT, serverIds: ['srv-a', 'srv-b'], policy: FAST_POLICY, destination: 'night/1' },
    { taskQueue: h.taskQueue, workflowId: `fleet/../${PROJECT}` },
  );
  h.started.push(handle.workflowId);
  const firstRunId = (await handle.describe()).runId;
  const result = await handle.result();

  expect(result).toMatchObject({ servers: 2, succeeded: 2, failed: 0, failures: [] });
  const key = fleetManifestKey({
    fleetWorkflowId: handle.workflowId,
    firstRunId,
    part: 1,
    destination: 'night/1',
    lines: [],
  });
  // The workflow ID's "/" and leading "." cannot make the key leave the fleet's directory.
  expect(key).toBe(`night/1/fleets/fleet_.._${PROJECT}/${firstRunId}/servers-0001.jsonl`);
  expect(result.manifests).toEqual([
    expect.objectContaining({ path: join(h.archiveDir, key), url: expect.stringMatching(/^file:\/\//) }),
  ]);
  const lines = (await readFile(join(h.archiveDir, key), 'utf8')).trim().split('\n');
  expect(lines.map((line) => JSON.parse(line).serverId).sort()).toEqual(['srv-a', 'srv-b']);
  expect(await readdir(join(h.archiveDir, 'night/1'))).toEqual(expect.arrayContaining(['fleets', PROJECT]));
});

it('carries on a fleet that a build before manifests continued as new: its servers counted and listed', async () => {
  const PROJECT = 'proj-listed';
  h.sim.addServer(PROJECT, 'srv-new');
  // The state such a build carried: every server it had done, listed in full.
  // More servers than one manifest part holds.
  const carried = {
    pending: ['srv-new'],
    succeeded: Array.from({ length: 2_500 }, (_, i) => ({
      serverId: `srv-old-${i}`,
      exportId: `exp-old-${i}`,
      url: `file:///old/${i}/archive.tar.gz`,
      bytes: 1_000,
    })),
    failed: [
      { serverId: 'srv-lost', type: FailureType.LogExportFailed, message: 'the export failed at 50%' },
    ],
  };
  const handle = await h.env.client.workflow.start(WorkflowType.CollectFleetLogs, {
    taskQueue: h.taskQueue,
    workflowId: `fleet-listed-${Date.now()}`,
    args: [{ projectId: PROJECT, policy: FAST_POLICY }, carried],
  });
  h.started.push(handle.workflowId);
  const result = (await handle.result()) as CollectFleetLogsResult;

  expect(result).toMatchObject({
    servers: 2_502,
    succeeded: 2_501,
    failed: 1,
    failuresByType: { [FailureType.LogExportFailed]: 1 },
    failures: carried.failed,
  });
  // 2,502 lines in parts of at most 1,000, so no activity input nears the payload limit.
  expect(result.manifests).toHaveLength(3);
  const lines = await readFleetServers(result);
  expect(lines).toHaveLength(2_502);
  expect(new Set(lines.map((line) => line.serverId)).size).toBe(2_502);
  expect(lines).toContainEqual({ ...carried.succeeded[0], status: 'collected' });
  expect(lines).toContainEqual({ ...carried.failed[0], status: 'failed' });
  const fresh = lines.find((line) => line.serverId === 'srv-new');
  expect(fresh).toMatchObject({ status: 'collected' });
  if (fresh?.status !== 'collected') return;
  expect(result.bytes).toBe(2_500 * 1_000 + (fresh.bytes ?? 0));
  const onDisk = await readFile(fresh.path ?? expect.fail('no path'));
  expect(fresh.sha256).toBe(createHash('sha256').update(onDisk).digest('hex'));
});

it('keeps counting when the store refuses the manifest for good, and says how many servers no manifest lists', async () => {
  const PROJECT = 'proj-unlisted';
  for (const serverId of ['srv-1', 'srv-2', 'srv-3']) h.sim.addServer(PROJECT, serverId);
  const handle = await startFleetCollection(
    h.env.client,
    { projectId: PROJECT, policy: FAST_POLICY, destination: REFUSED },
    { taskQueue: h.taskQueue },
  );
  h.started.push(handle.workflowId);
  const result = await handle.result();

  expect(result).toMatchObject({
    servers: 3,
    succeeded: 3,
    failed: 0,
    manifests: [],
    unlisted: { servers: 3, type: FailureType.ArchiveAccessDenied },
  });
  expect(result.unlisted?.message).toContain('could not be stored');
  let served = 0;
  for (const serverId of ['srv-1', 'srv-2', 'srv-3']) {
    const [record] = h.sim.exportsOf(PROJECT, serverId);
    served += (await h.sim.archiveDigest(record ?? expect.fail(`no export of ${serverId}`))).bytes;
  }
  expect(result.bytes).toBe(served);
});

it('lists the servers a cancelled fleet finished before the cancel', async () => {
  const PROJECT = 'proj-cancelled-fleet';
  h.sim.addServer(PROJECT, 'srv-quick-1');
  h.sim.addServer(PROJECT, 'srv-quick-2');
  h.sim.addServer(PROJECT, 'srv-slow', { exportScenario: { durationMs: 600_000 } });
  const handle = await startFleetCollection(
    h.env.client,
    { projectId: PROJECT, policy: FAST_POLICY },
    { taskQueue: h.taskQueue },
  );
  h.started.push(handle.workflowId);
  const firstRunId = (await handle.describe()).runId;
  await waitFor(
    async () => ((await handle.query(getFleetProgressQuery)).succeeded === 2 ? true : undefined),
    { what: 'the quick servers collected' },
  );
  await handle.cancel();
  await expect(handle.result()).rejects.toThrow();

  const key = fleetManifestKey({ fleetWorkflowId: handle.workflowId, firstRunId, part: 1, lines: [] });
  const listed = (await readFile(join(h.archiveDir, key), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as FleetServerLine);
  expect(listed.map((line) => [line.serverId, line.status]).sort()).toEqual([
    ['srv-quick-1', 'collected'],
    ['srv-quick-2', 'collected'],
  ]);
});
