import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project root, from src/worker-deployment/ under tsx or dist/worker-deployment/ when compiled. */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The build a worker says it is when `TEMPORAL_WORKER_BUILD_ID` is not set: the package version
 * and the git revision (`GIT_REVISION`, which the image build passes in, or the checkout's HEAD),
 * e.g. `0.1.0-58d32bc1a2b3`. Two commits never share a build ID, so a change that would not replay
 * cannot reach runs pinned to the build before it.
 */
export function defaultBuildId(env: NodeJS.ProcessEnv = process.env): { buildId: string; exact: boolean } {
  const version = packageVersion();
  const revision = env.GIT_REVISION?.trim() || gitHead();
  return revision
    ? { buildId: `${version}-${revision.slice(0, 12)}`, exact: true }
    : { buildId: version, exact: false };
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(`${packageRoot}package.json`, 'utf8')) as { version?: string };
  return manifest.version ?? '0.0.0';
}

function gitHead(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: packageRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}
