import { S3Client } from '@aws-sdk/client-s3';
import { localDirectorySink } from './local-directory-sink.js';
import { objectStoreSink } from './object-store-sink.js';
import type { ArchiveSink } from './sink.js';

/** A directory the worker owns (the default), or a bucket of an S3-compatible object store. */
export type ArchiveStoreConfig =
  | { kind: 'directory'; directory: string }
  | {
      kind: 'object-store';
      /** `obs` for Huawei OBS, `s3` for any S3-compatible store; it also starts the archives' URLs. */
      scheme: 'obs' | 's3';
      bucket: string;
      /** Without slashes at either end; empty for the bucket's root. */
      prefix: string;
      /** Unset for AWS S3 itself, where the SDK knows the endpoint. */
      endpoint?: string;
      /** The region requests are signed for. */
      region: string;
      /** `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`. */
      forcePathStyle: boolean;
      /** Unset: the AWS SDK's own chain (AWS_* variables, shared files, instance roles). */
      credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
      /** Which variables the credentials came from, for the start-up line. */
      credentialsFrom: string;
    };

/** The sink the worker's configuration names. */
export function archiveSinkFrom(config: ArchiveStoreConfig): ArchiveSink {
  if (config.kind === 'directory') return localDirectorySink(config.directory);
  return objectStoreSink({
    client: objectStoreClient(config),
    scheme: config.scheme,
    bucket: config.bucket,
    prefix: config.prefix,
  });
}

/** An S3 client for the configured store. */
export function objectStoreClient(config: Extract<ArchiveStoreConfig, { kind: 'object-store' }>): S3Client {
  return new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // The SDK's default CRC32 checksums (with trailers on streamed bodies) are AWS's own; OBS and
    // most other stores refuse or ignore them. Integrity is checked end to end by our sha256.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
