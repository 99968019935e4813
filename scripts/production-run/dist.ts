import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Newest modification time under a directory, in ms. */
async function newest(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const entry of await readdir(path)) latest = Math.max(latest, await newest(join(path, entry)));
  return latest;
}

/** dist/ is stale when the bundle is missing or older than any source or the lock file. */
export async function distIsCurrent(root: string): Promise<boolean> {
  const bundle = await stat(join(root, 'dist', 'workflow-bundle.js')).catch(() => undefined);
  if (!bundle) return false;
  const sources = Math.max(
    await newest(join(root, 'src')),
    (await stat(join(root, 'package-lock.json'))).mtimeMs,
    (await stat(join(root, 'tsconfig.build.json'))).mtimeMs,
  );
  return bundle.mtimeMs >= sources;
}
