import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

export interface SimulatedArchive {
  bytes: Buffer;
  sha256: string;
}

/**
 * A real `{SN}-dump.tar.gz` like DownloadServerLogs serves, made as it is read: a small text log
 * and a payload of `payloadBytes` pseudo-random bytes, derived from `seed` so the same export
 * always yields the same archive and tests can check checksums, whatever its size.
 */
export function archiveStream(sn: string, seed: string, payloadBytes: number): Readable {
  const pack = tar.pack();
  const gzipped = pack.pipe(createGzip());
  const mtime = new Date(0);
  pack.entry(
    { name: `${sn}/dump.log`, mtime },
    `CloudDC simulator log dump of ${sn} (export seed ${seed})\n`,
  );
  const payload = pack.entry({ name: `${sn}/payload.bin`, mtime, size: payloadBytes });
  pipeline(pseudoRandomBytes(seed, payloadBytes), payload).then(
    () => pack.finalize(),
    (err: Error) => gzipped.destroy(err),
  );
  return gzipped;
}

/** The whole archive in memory, with its sha256, for exports small enough to keep. */
export async function buildArchive(
  sn: string,
  seed: string,
  payloadBytes: number,
): Promise<SimulatedArchive> {
  const bytes = await buffer(archiveStream(sn, seed, payloadBytes));
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The sha256 and size of an archive, read as it is made: for archives too large to keep. */
export async function archiveDigest(
  sn: string,
  seed: string,
  payloadBytes: number,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of archiveStream(sn, seed, payloadBytes)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * AES in counter mode keyed by the seed: incompressible, reproducible bytes at about a gigabyte a
 * second, made a megabyte at a time as the reader asks.
 */
function pseudoRandomBytes(seed: string, size: number): Readable {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  const CHUNK = 1024 * 1024;
  let left = size;
  return new Readable({
    read() {
      const next = Math.min(CHUNK, left);
      left -= next;
      this.push(next > 0 ? cipher.update(Buffer.alloc(next)) : null);
    },
  });
}
