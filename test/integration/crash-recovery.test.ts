import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollection } from '../../src/client/collection.js';
import {
  FAST_POLICY,
  type Harness,
  startHarness,
  TEST_REGION,
  TEST_TOKEN,
  waitFor,
} from '../helpers/harness.js';
import { exitOf, startWorkerProcess, untilPolling } from '../helpers/worker-process.js';

let h: Harness;
let archiveDir: string;
beforeAll(async () => {
  h = await startHarness();
  archiveDir = await mkdtemp(join(tmpdir(), 'crash-archives-'));
});
afterAll(async () => {
  await h?.close();
  await rm(archiveDir, { recursive: true, force: true });
});

const PROJECT = 'proj-crash';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('a worker killed with SIGKILL', () => {
  it('loses no export and no archive: a new worker finishes tracking and downloading, checksums intact', async () => {
    const taskQueue = `${h.taskQueue}-crash`;
    const env = {
      TEMPORAL_ADDRESS: h.env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CLOUDDC_REGION: TEST_REGION,
      CLOUDDC_ENDPOINT: h.sim.url,
      CLOUDDC_AUTH_TOKEN: TEST_TOKEN,
      CLOUDDC_ARCHIVE_DIR: archiveDir,
    };
    // Quick exports with 2 MB archives sent at 512 KB/s are downloading when the worker dies;
    // slow ones are still being tracked.
    const servers = ['dl-1', 'dl-2', 'dl-3', 'track-1', 'track-2', 'track-3'];
    for (const id of servers) {
      h.sim.addServer(PROJECT, id, {
        exportScenario: id.startsWith('dl')
          ? { durationMs: 500, archiveBytes: 2 * 1024 * 1024 }
          : { durationMs: 8_000, archiveBytes: 64 * 1024 },
      });
    }
    h.sim.injectFaults({
      fault: { kind: 'trickle', bytesPerSecond: 512 * 1024 },
      path: '/content',
      times: 100,
    });

    const first = startWorkerProcess(env);
    await untilPolling(first.output);
    const handles = await Promise.all(
      servers.map((serverId) =>
        startCollection(h.env.client, { projectId: PROJECT, serverId, policy: FAST_POLICY }, { taskQueue }),
      ),
    );
    await waitFor(
      () => (h.sim.requestsTo(`/v1/${PROJECT}/`).some((r) => r.path.endsWith('/content')) ? true : undefined),
      {
        timeoutMs: 30_000,
        what: 'a download to begin',
      },
    );
    first.child.kill('SIGKILL');
    await exitOf(first.child);
    const killedAt = Date.now();

    const second = startWorkerProcess(env);
    try {
      const results = await Promise.all(handles.map((handle) => handle.result()));

      for (const [i, result] of results.entries()) {
        const serverId = servers[i] as string;
        const [record, ...more] = h.sim.exportsOf(PROJECT, serverId);
        expect(more, `a second export of ${serverId}`).toEqual([]);
        const expected = await h.sim.archiveOf(record as NonNullable<typeof record>);
        expect(result).toMatchObject({ outcome: 'completed', exportId: record?.exportId });
        expect(result.archive.sha256).toBe(expected.sha256);
        const onDisk = await readFile(result.archive.path ?? expect.fail('no path'));
        expect(createHash('sha256').update(onDisk).digest('hex')).toBe(expected.sha256);
      }
      // Only the six archives are left: the killed worker's partial files were swept.
      expect((await filesUnder(archiveDir)).sort()).toEqual(results.map((r) => r.archive.path).sort());
      // The slow exports were still running when the first worker died.
      for (const id of servers.filter((s) => s.startsWith('track'))) {
        expect(h.sim.exportsOf(PROJECT, id)[0]?.finishesAt).toBeGreaterThan(killedAt);
      }
      console.log(
        `Crash recovery: 1 worker killed with SIGKILL (3 downloads and 3 trackers in flight), ${results.length} exports tracked, 0 lost, ${results.length} checksums verified`,
      );
    } finally {
      second.child.kill('SIGTERM');
      await exitOf(second.child);
    }
  }, 180_000);
});
