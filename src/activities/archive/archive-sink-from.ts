import { S3Client } from '@aws-sdk/client-s3';
import type { ArchiveStoreConfig } from '../../worker/config.js';
import { localDirectorySink } from './local-directory-sink.js';
import { objectStoreSink } from './object-store-sink.js';
import type { ArchiveSink } from './sink.js';

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
