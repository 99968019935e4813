import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import type { ArchiveStoreConfig } from '../../src/activities/archive/archive-sink-from.js';
import { archiveSinkFrom } from '../../src/activities/archive/archive-sink-from.js';
import { objectStoreSink } from '../../src/activities/archive/object-store-sink.js';
import type { ArchiveSink } from '../../src/activities/archive/sink.js';
import { freePort } from '../../src/dev/free-port.js';
import { type RunningMinio, startMinio } from '../../src/dev/minio.js';

/** A real MinIO server of the test file's own, with one bucket, and ways to look inside it. */
export interface TestStore {
  minio: RunningMinio;
  bucket: string;
  /** What a worker's configuration says for this store, under `prefix`. */
  config(prefix?: string): Extract<ArchiveStoreConfig, { kind: 'object-store' }>;
  /** The variables that configure `npm run worker` for this store. */
  env(prefix?: string): Record<string, string>;
  /** Every object's key and size under `prefix`. */
  objects(prefix?: string): Promise<Array<{ key: string; bytes: number }>>;
  /** Multipart uploads begun and neither completed nor aborted. */
  unfinishedUploads(): Promise<string[]>;
  /** The `sha256` an object is labelled with. */
  labelOf(key: string): Promise<string | undefined>;
  read(key: string): Promise<Buffer>;
  /** The store's own view, for what the sink does not offer. */
  client: S3Client;
  /** A sink for this bucket at an address where nothing listens: a store that is down. */
  unreachableSink(): Promise<ArchiveSink>;
  close(): Promise<void>;
}

export async function startTestStore(): Promise<TestStore> {
  const minio = await startMinio(inject('minioPath'));
  const bucket = `archives-${randomUUID().slice(0, 8)}`;
  const config = (prefix = ''): Extract<ArchiveStoreConfig, { kind: 'object-store' }> => ({
    kind: 'object-store',
    scheme: 's3',
    bucket,
    prefix,
    endpoint: minio.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey },
    credentialsFrom: 'CLOUDDC_ARCHIVE_ACCESS_KEY',
  });
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: minio.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    async unreachableSink() {
      return objectStoreSink({
        client: new S3Client({
          region: 'us-east-1',
          endpoint: `http://127.0.0.1:${await freePort()}`,
          forcePathStyle: true,
          credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
          maxAttempts: 1,
        }),
        scheme: 's3',
        bucket,
        prefix: '',
      });
    },
    minio,
    bucket,
    client,
    config,
    env: (prefix = '') => ({
      CLOUDDC_ARCHIVE_URL: `s3://${bucket}/${prefix}`,
      CLOUDDC_ARCHIVE_ENDPOINT: minio.endpoint,
      CLOUDDC_ARCHIVE_ACCESS_KEY: minio.accessKey,
      CLOUDDC_ARCHIVE_SECRET_KEY: minio.secretKey,
    }),
    async objects(prefix = '') {
      const found: Array<{ key: string; bytes: number }> = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        found.push(...(page.Contents ?? []).map((o) => ({ key: o.Key ?? '', bytes: o.Size ?? 0 })));
        token = page.NextContinuationToken;
      } while (token);
      return found;
    },
    async unfinishedUploads() {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return (page.Uploads ?? []).map((u) => u.Key ?? '');
    },
    async labelOf(key) {
      return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata?.sha256;
    },
    async read(key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await (object.Body?.transformToByteArray() ?? new Uint8Array()));
    },
    close: () => minio.stop(),
  };
}

/** The sink a worker would build from `store.config(prefix)`. */
export const sinkFor = (store: TestStore, prefix = '') => archiveSinkFrom(store.config(prefix));
