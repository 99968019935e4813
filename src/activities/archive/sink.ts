import type { Writable } from 'node:stream';
import type { ArchiveInfo } from '../../contract/index.js';

/** An archive under its final name, with the size and sha256 recorded when it was stored. */
export type StoredArchive = ArchiveInfo;

/** An archive being written: bytes go to `stream`; nothing is visible under the final name until `commit`. */
export interface ArchiveUpload {
  /** Fails with an `ArchiveStoreError` when the store gives up on the upload. */
  stream: Writable;
  /** Makes the archive visible under its final name, once `stream` has finished. */
  commit(facts: { bytes: number; sha256: string }): Promise<StoredArchive>;
  /** Removes whatever was written; safe to call more than once. */
  abort(): Promise<void>;
}

/**
 * Where downloaded archives are kept. Activities only see this interface, so where archives go
 * (a directory, an object store) is the worker's choice, not the workflows'.
 */
export interface ArchiveSink {
  readonly description: string;
  /** The complete archive already stored at `key`, or undefined when there is none. */
  find(key: string): Promise<StoredArchive | undefined>;
  /**
   * Starts writing the archive at `key` (a relative, `/`-separated name). Writing the same key
   * again, say after a crashed attempt, first removes that attempt's leftovers. `bytes`, when the
   * size is known ahead, lets a sink size its buffers; `contentType` labels what is not an archive
   * (`ARCHIVE_CONTENT_TYPE` by default) where a sink keeps labels.
   */
  open(key: string, expected?: { bytes?: number; contentType?: string }): Promise<ArchiveUpload>;
}

/** An export's archive, a `.tar.gz`. */
export const ARCHIVE_CONTENT_TYPE = 'application/gzip';

/** Why a store refused: the first two need an operator, the last passes. */
export type ArchiveStoreProblem = 'bucket-missing' | 'access-denied' | 'unavailable';

/** A failure of the archive store itself (not of the download), classified for retrying. */
export class ArchiveStoreError extends Error {
  readonly problem: ArchiveStoreProblem;
  constructor(problem: ArchiveStoreProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveStoreError';
    this.problem = problem;
  }
}
