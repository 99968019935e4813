import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ArchiveSink, ArchiveUpload } from './sink.js';

/**
 * Archives as files under one root directory. Each attempt writes to a partial file of its own
 * and renames it (after an fsync) when complete, so a reader never sees a half-written archive
 * and two attempts never write into the same file. Opening a key first removes partial files
 * that earlier attempts (a crashed worker, a timed-out attempt) left behind.
 */
export function localDirectorySink(root: string): ArchiveSink {
  const base = resolve(root);
  return {
    description: `local directory ${base}`,
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
          return { path: final, bytes, sha256 };
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

/** Resolves `key` under `base`, refusing anything that would land outside it. */
export function insideRoot(base: string, key: string): string {
  const target = resolve(base, key);
  const rel = relative(base, target);
  if (!rel || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel) || isAbsolute(key)) {
    throw new Error(`archive path ${JSON.stringify(key)} would leave the archive directory`);
  }
  return target;
}
