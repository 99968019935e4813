import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

export interface SimulatedArchive {
  bytes: Buffer;
  sha256: string;
}

/**
 * A real `{SN}-dump.tar.gz` like DownloadServerLogs serves: a small text log and a payload of
 * `payloadBytes` pseudo-random bytes, derived from `seed` so the same export always yields the
 * same archive and tests can check checksums.
 */
export async function buildArchive(
  sn: string,
  seed: string,
  payloadBytes: number,
): Promise<SimulatedArchive> {
  const pack = tar.pack();
  const gzipped = buffer(pack.pipe(createGzip()));
  const mtime = new Date(0);
  pack.entry(
    { name: `${sn}/dump.log`, mtime },
    `CloudDC simulator log dump of ${sn} (export seed ${seed})\n`,
  );
  pack.entry({ name: `${sn}/payload.bin`, mtime }, pseudoRandomBytes(seed, payloadBytes));
  pack.finalize();
  const bytes = await gzipped;
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** SHA-256 in counter mode: incompressible, reproducible bytes without holding a PRNG's state. */
function pseudoRandomBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, block = 0; offset < size; offset += 32, block++) {
    createHash('sha256').update(`${seed}:${block}`).digest().copy(out, offset);
  }
  return out;
}
