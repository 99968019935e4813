import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { ArchiveSink, ArchiveUpload, StoredArchive } from './sink.js';

/**
 * Archives as files under one root directory. Each attempt writes to a partial file of its own
 * and renames it (after an fsync) when complete, so a reader never sees a half-written archive
 * and two attempts never write into the same file. Opening a key first removes partial files
 * that earlier attempts (a crashed worker, a timed-out attempt) left behind. No checksum is kept
 * beside a file: `find` hashes the file itself, which a local disk does in seconds per gigabyte.
 */
export function localDirectorySink(root: string): ArchiveSink {
  const base = resolve(root);
  return {
    description: `local directory ${base}`,
    async find(key) {
      const path = insideRoot(base, key);
      const found = await stat(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (!found?.isFile()) return undefined;
      const hash = createHash('sha256');
      await pipeline(createReadStream(path), hash);
      return stored(path, found.size, hash.digest('hex'));
    },
    async open(key): Promise<ArchiveUpload> {
      const final = insideRoot(base, key);
      const dir = dirname(final);
      await mkdir(dir, { recursive: true });
      const stale = `${basename(final)}.partial`;
      for (const name of await readdir(dir)) {
        if (name.startsWith(stale)) await rm(join(dir, name), { force: true });
      }
      const partial = `${final}.partial-${randomUUID().slice(0, 8)}`;
      const stream = createWriteStream(partial, { flags: 'wx' });
      let aborted = false;
      return {
        stream,
        async commit({ bytes, sha256 }) {
          const handle = await open(partial, 'r');
          try {
            await handle.sync();
          } finally {
            await handle.close();
          }
          await rename(partial, final);
          return stored(final, bytes, sha256);
        },
        async abort() {
          if (aborted) return;
          aborted = true;
          stream.destroy();
          await rm(partial, { force: true });
        },
      };
    },
  };
}

function stored(path: string, bytes: number, sha256: string): StoredArchive {
  return { url: pathToFileURL(path).href, path, bytes, sha256 };
}

/** Resolves `key` under `base`, refusing anything that would land outside it. */
export function insideRoot(base: string, key: string): string {
  const target = resolve(base, key);
  const rel = relative(base, target);
  if (!rel || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel) || isAbsolute(key)) {
    throw new Error(`archive path ${JSON.stringify(key)} would leave the archive directory`);
  }
  return target;
}
