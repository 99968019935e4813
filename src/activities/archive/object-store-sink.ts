import { PassThrough } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  ARCHIVE_CONTENT_TYPE,
  type ArchiveSink,
  ArchiveStoreError,
  type ArchiveUpload,
  type StoredArchive,
} from './sink.js';

export interface ObjectStoreSinkOptions {
  client: S3Client;
  /** Written into results: `obs` for Huawei OBS, `s3` for any other S3-compatible store. */
  scheme: 'obs' | 's3';
  bucket: string;
  /** Key prefix without slashes at either end; empty for the bucket's root. */
  prefix: string;
  /** Part size of multipart uploads; S3 takes at most 10,000 parts, so large archives get larger parts. */
  partBytes?: number;
  /** Parts uploaded at once. Memory held per upload is about `queueSize × partBytes`. */
  queueSize?: number;
  /** Largest object copied with one CopyObject (S3's limit is 5 GiB); larger ones are copied in parts. */
  singleCopyMaxBytes?: number;
}

const MiB = 1024 * 1024;
const MAX_PARTS = 10_000;
/** Where the metadata header `x-amz-meta-sha256` lands in the SDK's `Metadata`. */
const SHA256_METADATA = 'sha256';
/** Attempts in progress live under this folder of the prefix, out of the way of the archives. */
const INCOMPLETE = '.incomplete';

/**
 * Archives as objects in an S3-compatible store (Huawei OBS, MinIO, AWS S3), streamed through a
 * multipart upload with bounded memory.
 *
 * An object's metadata is fixed when its upload starts, but the sha256 is known only at the end.
 * So an attempt uploads to the archive's key under `{prefix}/.incomplete/`, and `commit` copies it
 * inside the store to the final key with the sha256 as metadata, checks what the store then
 * reports, and deletes the attempt's object: the final key only ever holds a complete, labelled
 * archive. `open` first aborts the multipart uploads and deletes the object that earlier attempts
 * at the same key left (a worker killed mid-upload), so nothing keeps billing, and an earlier
 * attempt still running somewhere fails instead of racing the new one.
 */
export function objectStoreSink(options: ObjectStoreSinkOptions): ArchiveSink {
  const { client, bucket } = options;
  const root = options.prefix ? `${options.prefix}/` : '';
  const basePartBytes = options.partBytes ?? 8 * MiB;
  const queueSize = options.queueSize ?? 4;
  const singleCopyMaxBytes = options.singleCopyMaxBytes ?? 5 * 1024 * MiB;
  const urlOf = (key: string) => `${options.scheme}://${bucket}/${key}`;
  const where = `${options.scheme}://${bucket}/${root}`;
  const send = storeCall();

  async function head(key: string) {
    try {
      return await send(`reading ${key}`, () =>
        client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
      );
    } catch (err) {
      // HEAD carries no error body: a 404 is a missing object (a missing bucket shows on the next call).
      if (err instanceof ArchiveStoreError && statusOf(err.cause) === 404) return undefined;
      throw err;
    }
  }

  /** Aborts the multipart uploads and deletes the object of any attempt at `key`. */
  async function removeAttempts(key: string): Promise<void> {
    const prefix = attemptKey(key);
    const uploads = await send(`listing the unfinished uploads of ${key}`, () =>
      client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix })),
    );
    for (const upload of uploads.Uploads ?? []) {
      await send(`aborting an unfinished upload of ${key}`, () =>
        client.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }),
        ),
      );
    }
    const objects = await send(`listing the attempts at ${key}`, () =>
      client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix })),
    );
    const keys = (objects.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length > 0) {
      await send(`deleting the attempts at ${key}`, () =>
        client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } })),
      );
    }
  }

  /**
   * One attempt key per archive, not one per attempt: MinIO lists unfinished uploads only by their
   * exact key, and a new attempt must find every upload an earlier one began.
   */
  const attemptKey = (key: string) => `${root}${INCOMPLETE}/${key}`;

  async function copyLabelled(
    from: string,
    to: string,
    { bytes, sha256, contentType }: { bytes: number; sha256: string; contentType: string },
  ): Promise<void> {
    const labels = { ContentType: contentType, Metadata: { [SHA256_METADATA]: sha256 } };
    const source = `${bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    if (bytes <= singleCopyMaxBytes) {
      await send(`copying the archive to ${to}`, () =>
        client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: to,
            CopySource: source,
            MetadataDirective: 'REPLACE',
            ...labels,
          }),
        ),
      );
      return;
    }
    const { UploadId } = await send(`starting the copy to ${to}`, () =>
      client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: to, ...labels })),
    );
    try {
      const partBytes = Math.max(singleCopyMaxBytes, Math.ceil(bytes / MAX_PARTS));
      const parts: CompletedPart[] = [];
      for (let start = 0, PartNumber = 1; start < bytes; start += partBytes, PartNumber++) {
        const end = Math.min(bytes, start + partBytes) - 1;
        const part = await send(`copying part ${PartNumber} to ${to}`, () =>
          client.send(
            new UploadPartCopyCommand({
              Bucket: bucket,
              Key: to,
              UploadId,
              PartNumber,
              CopySource: source,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          ),
        );
        parts.push({ PartNumber, ETag: part.CopyPartResult?.ETag });
      }
      await send(`completing the copy to ${to}`, () =>
        client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: to,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    } catch (err) {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId }))
        .catch(() => undefined);
      throw err;
    }
  }

  return {
    description: `object store ${where}`,
    async find(key) {
      const final = root + key;
      const found = await head(final);
      const sha256 = found?.Metadata?.[SHA256_METADATA];
      // An object without our label was not put there by a complete collection: replaced, not trusted.
      if (!found || !sha256 || found.ContentLength === undefined) return undefined;
      return { url: urlOf(final), bytes: found.ContentLength, sha256 };
    },

    async open(key, expected): Promise<ArchiveUpload> {
      const final = root + key;
      await removeAttempts(key);
      const attempt = attemptKey(key);
      const partSize = Math.max(basePartBytes, Math.ceil((expected?.bytes ?? 0) / (MAX_PARTS - 1)));
      const contentType = expected?.contentType ?? ARCHIVE_CONTENT_TYPE;
      const stream = new PassThrough();
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: attempt, Body: stream, ContentType: contentType },
        partSize,
        queueSize,
        leavePartsOnError: false,
      });
      const uploaded = send(`uploading to ${attempt}`, () => upload.done());
      // The upload reads the stream; when the store gives up, the writer must hear it at once,
      // or it would wait on a stream nobody reads.
      uploaded.catch((err: unknown) => stream.destroy(err as Error));
      let aborted = false;
      return {
        stream,
        async commit({ bytes, sha256 }): Promise<StoredArchive> {
          await uploaded;
          const staged = await head(attempt);
          if (staged?.ContentLength !== bytes) {
            throw new ArchiveStoreError(
              'unavailable',
              `the store holds ${staged?.ContentLength ?? 'no'} bytes for the upload of ${key}, not the ${bytes} sent`,
            );
          }
          await copyLabelled(attempt, final, { bytes, sha256, contentType });
          const stored = await head(final);
          if (stored?.ContentLength !== bytes || stored.Metadata?.[SHA256_METADATA] !== sha256) {
            throw new ArchiveStoreError(
              'unavailable',
              `${key} reads back as ${stored?.ContentLength ?? 'no'} bytes with sha256 ${stored?.Metadata?.[SHA256_METADATA] ?? 'none'}, not ${bytes} bytes with ${sha256}`,
            );
          }
          await removeAttempts(key);
          return { url: urlOf(final), bytes, sha256 };
        },
        async abort() {
          if (aborted) return;
          aborted = true;
          stream.destroy(new Error('the archive upload was abandoned'));
          await upload.abort();
          await uploaded.catch(() => undefined);
          // Whatever the upload got to (a multipart upload begun, a small object put) goes too.
          await removeAttempts(key).catch(() => undefined);
        },
      };
    },
  };
}

/** Wraps every store call so its failures arrive classified, saying what was being done. */
function storeCall() {
  return async <T>(doing: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ArchiveStoreError) throw err;
      throw new ArchiveStoreError(problemOf(err), `${doing} failed: ${describe(err)}`, {
        cause: err,
      });
    }
  };
}

function problemOf(err: unknown): ArchiveStoreError['problem'] {
  if (err instanceof S3ServiceException) {
    if (err.name === 'NoSuchBucket') return 'bucket-missing';
    if (
      statusOf(err) === 403 ||
      ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled'].includes(err.name)
    )
      return 'access-denied';
  }
  return 'unavailable';
}

function statusOf(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

function describe(err: unknown): string {
  if (err instanceof S3ServiceException) {
    // A refused HEAD has no body to name the error: the status is all there is.
    const named = !['Unknown', 'UnknownError'].includes(err.name);
    const said = err.message && err.message !== 'UnknownError' && err.message !== err.name;
    return [`HTTP ${statusOf(err) ?? '?'}`, named ? err.name : '', said ? err.message : '']
      .filter(Boolean)
      .join(' ');
  }
  return err instanceof Error ? err.message || err.name : String(err);
}
