import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A program from a Debian package, installed on first use (the machines reach Debian's packages,
 * not the vendors' downloads). The reason instead when it cannot be had, so the test that needs it
 * skips with that message rather than failing.
 */
export async function ensureDebianPackage(
  pkg: string,
  program: string,
): Promise<{ path: string } | { missing: string }> {
  if (await exists(program)) return { path: program };
  try {
    await run('apt-get', ['update', '-qq'], { timeout: 180_000 });
    await run('apt-get', ['install', '-y', '-qq', pkg], {
      timeout: 300_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (err) {
    return {
      missing: `${pkg} could not be installed with apt-get: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  return (await exists(program))
    ? { path: program }
    : { missing: `apt-get ran, but ${program} is not there` };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
