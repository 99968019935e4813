import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDirectorySink } from '../../src/activities/archive/local-directory-sink.js';
import type { ArchiveSink } from '../../src/activities/archive/sink.js';
import { staticTokenAuth } from '../../src/activities/auth/static-token.js';
import { createCloudDCClient } from '../../src/activities/clouddc/client.js';
import { createActivities } from '../../src/activities/index.js';
import { startCollection, startFleetCollection } from '../../src/client/collection.js';
import { readFleetServers } from '../../src/client/fleet-manifest.js';
import {
  type ArchiveInfo,
  FailureType,
  type FleetServerLine,
  TransientFailureType,
} from '../../src/contract/index.js';
import {
  FAST_POLICY,
  type Harness,
  startHarness,
  TEST_REGION,
  TEST_TOKEN,
  waitFor,
} from '../helpers/harness.js';
import { sinkFor, startTestStore, type TestStore } from '../helpers/object-store.js';
import { expectNoSecrets } from '../helpers/secrets.js';
import { testLogger } from '../helpers/test-logs.js';
import { exitOf, startWorkerProcess, untilPolling } from '../helpers/worker-process.js';

const PREFIX = 'collected';
let store: TestStore;
let h: Harness;
beforeAll(async () => {
  store = await startTestStore();
  h = await startHarness({
    archives: store.config(PREFIX),
    simulator: { defaultScenario: { durationMs: 1_000, archiveBytes: 40_000 } },
  });
});
afterAll(async () => {
  await h?.close();
  await store?.close();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('collections into an object store', () => {
  it('stores a fleet of 50 servers as 50 objects labelled with the right sha256, read back and checked', async () => {
    const PROJECT = 'proj-obs-fleet';
    for (let i = 0; i < 50; i++) h.sim.addServer(PROJECT, `srv-${String(i).padStart(2, '0')}`);

    const handle = await startFleetCollection(
      h.env.client,
      { projectId: PROJECT, concurrency: 10, policy: FAST_POLICY },
      { taskQueue: h.taskQueue },
    );
    h.started.push(handle.workflowId);
    const result = await handle.result();

    expect(result).toMatchObject({ servers: 50, succeeded: 50, failed: 0 });
    const objects = await store.objects(`${PREFIX}/${PROJECT}/`);
    expect(objects).toHaveLength(50);
    // The manifest is an object beside the archives, with its sha256 checked like theirs.
    expect(result.manifests).toHaveLength(1);
    const [manifest] = result.manifests;
    expect(manifest?.path).toBeUndefined();
    const manifestKey = (manifest?.url ?? '').replace(`s3://${store.bucket}/`, '');
    expect(manifestKey).toMatch(new RegExp(`^${PREFIX}/fleets/`));
    const listed = await store.read(manifestKey);
    expect(sha256(listed)).toBe(manifest?.sha256);
    expect(await store.labelOf(manifestKey)).toBe(manifest?.sha256);
    const head = await store.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: manifestKey }));
    expect(head.ContentType).toBe('application/jsonl');
    const anArchive = objects[0]?.key ?? expect.fail('no archive');
    expect(
      (await store.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: anArchive }))).ContentType,
    ).toBe('application/gzip');
    await expect(readFleetServers(result)).rejects.toThrow(/not in an archive directory/);
    const lines = listed
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as FleetServerLine);
    expect(lines).toHaveLength(50);
    for (const success of lines) {
      if (success.status !== 'collected') expect.fail(`${success.serverId} failed`);
      const record = h.sim.getExport(PROJECT, success.serverId, success.exportId) ?? expect.fail('no export');
      const expected = (await h.sim.archiveOf(record)).sha256;
      const key = success.url.replace(`s3://${store.bucket}/`, '');
      expect(key).toMatch(new RegExp(`^${PREFIX}/${PROJECT}/${success.serverId}/${success.exportId}-`));
      expect(success.path).toBeUndefined();
      expect(await store.labelOf(key)).toBe(expected);
      expect(sha256(await store.read(key))).toBe(expected);
      expect(success.sha256).toBe(expected);
    }
    expect(await store.objects(`${PREFIX}/.incomplete/`)).toEqual([]);
    expect(await store.unfinishedUploads()).toEqual([]);
    await expectNoSecrets(h, [store.minio.secretKey]);
  });

  it('reports the archive as a URL with its size and sha256, and no path', async () => {
    const PROJECT = 'proj-obs-one';
    h.sim.addServer(PROJECT, 'srv-1', { sn: 'SN77' });
    const result = await (
      await startCollection(
        h.env.client,
        { projectId: PROJECT, serverId: 'srv-1', policy: FAST_POLICY, destination: 'incident-9' },
        { taskQueue: h.taskQueue },
      )
    ).result();
    const record = h.sim.getExport(PROJECT, 'srv-1', result.exportId) ?? expect.fail('no export');
    const expected = await h.sim.archiveOf(record);
    expect(result.archive).toEqual({
      url: `s3://${store.bucket}/${PREFIX}/incident-9/${PROJECT}/srv-1/${result.exportId}-SN77-dump.tar.gz`,
      bytes: expected.bytes.length,
      sha256: expected.sha256,
    });
  });
});

describe('downloading an archive the store already holds', () => {
  /** The activity as a worker runs it, with a sink that counts the uploads it begins. */
  function downloadWith(sink: ArchiveSink) {
    const opened: string[] = [];
    const counting: ArchiveSink = {
      description: sink.description,
      find: (key) => sink.find(key),
      open: (key, expected) => {
        opened.push(key);
        return sink.open(key, expected);
      },
    };
    const { downloadArchive } = createActivities({
      cloudDC: createCloudDCClient({ auth: staticTokenAuth(TEST_TOKEN), timeoutMs: 5_000 }),
      targetFor: (region) => ({ endpoint: h.sim.url, region: region ?? TEST_REGION }),
      archives: counting,
    });
    const run = (input: Parameters<typeof downloadArchive>[0]) => {
      const now = Date.now();
      return new MockActivityEnvironment(
        {
          scheduledTimestampMs: now,
          currentAttemptScheduledTimestampMs: now,
          startToCloseTimeoutMs: 60_000,
          scheduleToCloseTimeoutMs: 60_000,
        },
        { logger: testLogger() },
      ).run(downloadArchive, input) as Promise<ArchiveInfo>;
    };
    return { run, opened };
  }

  function finishedExport(project: string) {
    const record = h.sim.createExport(project, 'srv-1', { durationMs: 0, archiveBytes: 300_000 });
    return { ref: { projectId: project, serverId: 'srv-1', exportId: record.exportId }, record };
  }

  it('does not upload it again when the stored object holds the same sha256', async () => {
    const { ref, record } = finishedExport('proj-again');
    const { run, opened } = downloadWith(sinkFor(store, 'again'));
    const first = await run(ref);
    const second = await run(ref);

    expect(second).toEqual(first);
    expect(first.sha256).toBe((await h.sim.archiveOf(record)).sha256);
    expect(opened).toHaveLength(1);
    expect(await store.objects('again/')).toHaveLength(1);
  });

  it('does not write it again when the archive directory holds the same file', async () => {
    const { ref, record } = finishedExport('proj-again-local');
    const { run, opened } = downloadWith(localDirectorySink(join(h.archiveDir, 'again')));
    const first = await run(ref);
    const second = await run(ref);

    expect(second).toEqual(first);
    expect(first.sha256).toBe((await h.sim.archiveOf(record)).sha256);
    expect(opened).toHaveLength(1);
  });

  it('replaces an object of the same name and size whose sha256 differs', async () => {
    const { ref, record } = finishedExport('proj-differs');
    const sink = sinkFor(store, 'differs');
    const { run, opened } = downloadWith(sink);
    const genuine = await run(ref);
    // Someone else's bytes of the same size under the archive's name, labelled as theirs.
    const key = genuine.url.replace(`s3://${store.bucket}/differs/`, '');
    const other = Buffer.alloc(genuine.bytes, 7);
    const upload = await sink.open(key);
    upload.stream.end(other);
    await new Promise((resolve) => upload.stream.once('finish', resolve));
    await upload.commit({ bytes: other.length, sha256: sha256(other) });
    const downloadsBefore = h.sim.requestsTo(`/${record.exportId}/content`).length;

    const again = await run(ref);

    expect(again).toEqual(genuine);
    expect(sha256(await store.read(`differs/${key}`))).toBe(genuine.sha256);
    // Hashed once to compare, downloaded once more to store.
    expect(h.sim.requestsTo(`/${record.exportId}/content`).length - downloadsBefore).toBe(2);
    expect(opened).toHaveLength(2);
  });

  it('fails with a type of its own: not retried when the bucket is missing or the keys are refused, retried when the store is unreachable', async () => {
    const { ref } = finishedExport('proj-refused');
    const failureOf = async (sink: ArchiveSink) => {
      const err = await downloadWith(sink)
        .run(ref)
        .then(
          () => expect.fail('stored'),
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(ApplicationFailure);
      return err as ApplicationFailure;
    };
    const missing = await failureOf(
      sinkFor({ ...store, config: (p) => ({ ...store.config(p), bucket: 'gone' }) }),
    );
    expect(missing).toMatchObject({ type: FailureType.ArchiveBucketNotFound, nonRetryable: true });
    expect(missing.message).toContain('could not be stored in object store s3://gone/: listing');

    const refused = await failureOf(
      sinkFor({
        ...store,
        config: (p) => ({
          ...store.config(p),
          credentials: { accessKeyId: store.minio.accessKey, secretAccessKey: 'wrong' },
        }),
      }),
    );
    expect(refused).toMatchObject({ type: FailureType.ArchiveAccessDenied, nonRetryable: true });
    expect(refused.message).not.toContain(store.minio.secretKey);

    const unreachable = await failureOf(await store.unreachableSink());
    expect(unreachable).toMatchObject({
      type: TransientFailureType.ArchiveStoreUnavailable,
      nonRetryable: false,
    });
  });
});

describe('a worker killed with SIGKILL mid-upload', () => {
  it('ends with exactly one complete object and no unfinished multipart upload', async () => {
    const PROJECT = 'proj-obs-crash';
    const taskQueue = `${h.taskQueue}-crash`;
    const env = {
      TEMPORAL_ADDRESS: h.env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CLOUDDC_REGION: TEST_REGION,
      CLOUDDC_ENDPOINT: h.sim.url,
      CLOUDDC_AUTH_TOKEN: TEST_TOKEN,
      ...store.env('crash'),
    };
    // 24 MB sent at 4 MB/s: several parts of a multipart upload are under way when the worker dies.
    h.sim.addServer(PROJECT, 'srv-1', {
      exportScenario: { durationMs: 300, archiveBytes: 24 * 1024 * 1024 },
    });
    h.sim.injectFaults({
      fault: { kind: 'trickle', bytesPerSecond: 4 * 1024 * 1024 },
      path: '/content',
      times: 1,
    });

    const first = startWorkerProcess(env);
    await untilPolling(first.output);
    expect(first.output()).toContain(`archives to the object store s3://${store.bucket}/crash/`);
    const handle = await startCollection(
      h.env.client,
      { projectId: PROJECT, serverId: 'srv-1', policy: FAST_POLICY },
      { taskQueue },
    );
    await waitFor(async () => ((await store.unfinishedUploads()).length > 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the multipart upload to begin',
    });
    first.child.kill('SIGKILL');
    await exitOf(first.child);
    expect(await store.unfinishedUploads()).toHaveLength(1);

    const second = startWorkerProcess(env);
    try {
      const result = await handle.result();
      const record = h.sim.getExport(PROJECT, 'srv-1', result.exportId) ?? expect.fail('no export');
      const expected = (await h.sim.archiveOf(record)).sha256;
      const key = result.archive.url.replace(`s3://${store.bucket}/`, '');
      expect(await store.objects('crash/')).toEqual([{ key, bytes: result.archive.bytes }]);
      expect(await store.unfinishedUploads()).toEqual([]);
      expect(await store.labelOf(key)).toBe(expected);
      expect(sha256(await store.read(key))).toBe(expected);
      expect(first.output() + second.output()).not.toContain(store.minio.secretKey);
    } finally {
      second.child.kill('SIGTERM');
      await exitOf(second.child);
    }
  }, 120_000);
});
