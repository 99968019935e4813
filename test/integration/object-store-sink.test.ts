import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import {
  CreateMultipartUploadCommand,
  HeadBucketCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveSinkFrom } from '../../src/activities/archive/archive-sink-from.js';
import { objectStoreSink } from '../../src/activities/archive/object-store-sink.js';
import { ArchiveStoreError } from '../../src/activities/archive/sink.js';
import { waitFor } from '../helpers/harness.js';
import { sinkFor, startTestStore, type TestStore } from '../helpers/object-store.js';

const MiB = 1024 * 1024;
let store: TestStore;
beforeAll(async () => {
  store = await startTestStore();
});
afterAll(async () => {
  await store?.close();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function write(stream: Writable, data: Buffer): Promise<void> {
  if (!stream.write(data)) await new Promise((resolve) => stream.once('drain', resolve));
}

describe('the object-store sink, against a real MinIO', () => {
  it('shows an archive under its final key only once complete, labelled with its sha256, and leaves nothing else', async () => {
    const sink = sinkFor(store, 'nightly');
    const key = 'proj-a/srv-1/exp-1-SN1-dump.tar.gz';
    const data = randomBytes(20 * MiB);
    const upload = await sink.open(key, { bytes: data.length });

    await write(upload.stream, data.subarray(0, 12 * MiB));
    await waitFor(async () => ((await store.unfinishedUploads()).length > 0 ? true : undefined), {
      what: 'the multipart upload to begin',
    });
    expect(await store.objects('nightly/proj-a')).toEqual([]);

    upload.stream.end(data.subarray(12 * MiB));
    await finished(upload.stream);
    const stored = await upload.commit({ bytes: data.length, sha256: sha256(data) });

    const finalKey = `nightly/${key}`;
    expect(stored).toEqual({
      url: `s3://${store.bucket}/${finalKey}`,
      bytes: data.length,
      sha256: sha256(data),
    });
    expect(await store.objects('nightly/')).toEqual([{ key: finalKey, bytes: data.length }]);
    expect(await store.labelOf(finalKey)).toBe(sha256(data));
    expect(sha256(await store.read(finalKey))).toBe(sha256(data));
    expect(await store.unfinishedUploads()).toEqual([]);
    expect(await sink.find(key)).toEqual(stored);
    expect(await sink.find('proj-a/srv-1/other-dump.tar.gz')).toBeUndefined();
  });

  it('aborts the multipart upload of an abandoned attempt, leaving no parts and no object', async () => {
    const sink = sinkFor(store, 'abandoned');
    const upload = await sink.open('p/s/e-dump.tar.gz', { bytes: 30 * MiB });
    await write(upload.stream, randomBytes(10 * MiB));
    await waitFor(async () => ((await store.unfinishedUploads()).length > 0 ? true : undefined), {
      what: 'the multipart upload to begin',
    });

    await upload.abort();
    await upload.abort();

    expect(await store.unfinishedUploads()).toEqual([]);
    expect(await store.objects('abandoned/')).toEqual([]);
  });

  it('sweeps what a killed attempt left at the same key before storing it again', async () => {
    const sink = sinkFor(store, 'swept');
    const key = 'p/s/e-dump.tar.gz';
    const attempt = `swept/.incomplete/${key}`;
    // What workers killed mid-upload leave: an attempt whose upload finished just before the
    // kill, and multipart uploads with parts.
    await store.client.send(new PutObjectCommand({ Bucket: store.bucket, Key: attempt, Body: 'old' }));
    for (let i = 0; i < 2; i++) {
      const { UploadId } = await store.client.send(
        new CreateMultipartUploadCommand({ Bucket: store.bucket, Key: attempt }),
      );
      await store.client.send(
        new UploadPartCommand({
          Bucket: store.bucket,
          Key: attempt,
          UploadId,
          PartNumber: 1,
          Body: randomBytes(5 * MiB),
        }),
      );
    }
    expect(await store.unfinishedUploads()).toHaveLength(2);

    const data = randomBytes(MiB);
    const upload = await sink.open(key);
    expect(await store.unfinishedUploads()).toEqual([]);
    upload.stream.end(data);
    await finished(upload.stream);
    await upload.commit({ bytes: data.length, sha256: sha256(data) });

    expect(await store.objects('swept/')).toEqual([{ key: `swept/${key}`, bytes: data.length }]);
  });

  it('copies an archive larger than one copy may be in parts, keeping its label', async () => {
    const sink = objectStoreSink({
      client: store.client,
      scheme: 'obs',
      bucket: store.bucket,
      prefix: 'large',
      partBytes: 5 * MiB,
      singleCopyMaxBytes: 5 * MiB,
    });
    const data = randomBytes(12 * MiB);
    const upload = await sink.open('p/s/big-dump.tar.gz');
    upload.stream.end(data);
    await finished(upload.stream);
    const stored = await upload.commit({ bytes: data.length, sha256: sha256(data) });

    expect(stored.url).toBe(`obs://${store.bucket}/large/p/s/big-dump.tar.gz`);
    expect(await store.labelOf('large/p/s/big-dump.tar.gz')).toBe(sha256(data));
    expect(sha256(await store.read('large/p/s/big-dump.tar.gz'))).toBe(sha256(data));
    expect(await store.objects('large/')).toEqual([{ key: 'large/p/s/big-dump.tar.gz', bytes: data.length }]);
  });

  it('does not trust an object under the final key that carries no sha256 label', async () => {
    await store.client.send(
      new PutObjectCommand({ Bucket: store.bucket, Key: 'unlabelled/p/s/e-dump.tar.gz', Body: 'partial?' }),
    );
    expect(await sinkFor(store, 'unlabelled').find('p/s/e-dump.tar.gz')).toBeUndefined();
  });

  it('names why the store refused: a missing bucket and refused keys need an operator; an unreachable store is passing', async () => {
    const refusal = async (attempt: Promise<unknown>) => {
      const err = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ArchiveStoreError);
      return err as ArchiveStoreError;
    };
    const missingBucket = archiveSinkFrom({ ...store.config(), bucket: 'no-such-bucket' });
    expect(await missingBucket.find('p/s/e')).toBeUndefined();
    const missing = await refusal(missingBucket.open('p/s/e'));
    expect(missing.problem).toBe('bucket-missing');
    expect(missing.message).toMatch(
      /^listing the unfinished uploads of p\/s\/e failed: HTTP 404 NoSuchBucket/,
    );

    const wrongKeys = archiveSinkFrom({
      ...store.config(),
      credentials: { accessKeyId: store.minio.accessKey, secretAccessKey: 'not-the-secret' },
    });
    expect((await refusal(wrongKeys.find('p/s/e'))).problem).toBe('access-denied');
    expect((await refusal(wrongKeys.open('p/s/e'))).problem).toBe('access-denied');

    const nowhere = await store.unreachableSink();
    expect((await refusal(nowhere.open('p/s/e'))).problem).toBe('unavailable');
  });
});

describe('npm run archive-bucket (the development set-up step)', () => {
  it('creates the bucket the configuration names, and is a no-op the second time', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      CLOUDDC_REGION: 'cn-east-3',
      CLOUDDC_AUTH_TOKEN: 't',
      ...store.env(),
      CLOUDDC_ARCHIVE_URL: 's3://made-by-setup/simulated',
    };
    const create = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/dev/create-archive-bucket.ts'], {
        env,
        timeout: 60_000,
      });
    expect((await create()).stdout).toContain('Bucket made-by-setup: created');
    expect((await create()).stdout).toContain('Bucket made-by-setup: already there');
    await store.client.send(new HeadBucketCommand({ Bucket: 'made-by-setup' }));
  });
});
