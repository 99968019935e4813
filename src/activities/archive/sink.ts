import type { Writable } from 'node:stream';

/** Where an archive ended up, as reported in workflow results. */
export interface StoredArchive {
  /** A local path, or an object store URI for other sinks. */
  path: string;
  bytes: number;
  sha256: string;
}

/** An archive being written: bytes go to `stream`; nothing is visible under the final name until `commit`. */
export interface ArchiveUpload {
  stream: Writable;
  /** Makes the archive visible under its final name, once `stream` has finished. */
  commit(facts: { bytes: number; sha256: string }): Promise<StoredArchive>;
  /** Removes whatever was written; safe to call more than once. */
  abort(): Promise<void>;
}

/**
 * Where downloaded archives are kept. Activities only see this interface, so an object store can
 * be added as another sink without touching workflows or the download itself.
 */
export interface ArchiveSink {
  readonly description: string;
  /**
   * Starts writing the archive at `key` (a relative, `/`-separated name). Writing the same key
   * again, say after a crashed attempt, replaces any partial leftovers.
   */
  open(key: string): Promise<ArchiveUpload>;
}
