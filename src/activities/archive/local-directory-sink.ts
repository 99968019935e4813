import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { ArchiveSink, ArchiveUpload } from './sink.js';

/**
 * Archives as files under one root directory. Each is written to `<name>.partial` and renamed
 * when complete, so a reader never sees a half-written archive, and a retried download (after a
 * crash, too) overwrites the same partial file instead of leaving one behind.
 */
export function localDirectorySink(root: string): ArchiveSink {
  const base = resolve(root);
  return {
    description: `local directory ${base}`,
    async open(key): Promise<ArchiveUpload> {
      const final = insideRoot(base, key);
      const partial = `${final}.partial`;
      await mkdir(dirname(final), { recursive: true });
      const stream = createWriteStream(partial, { flags: 'w' });
      let aborted = false;
      return {
        stream,
        async commit({ bytes, sha256 }) {
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
