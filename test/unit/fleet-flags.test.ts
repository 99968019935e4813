import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { Command, InvalidArgumentError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetInputOf, withFleetFlags } from '../../src/cli/fleet-flags.js';
import { withPolicyFlags } from '../../src/cli/policy-flags.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-flags-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The input the flags make; a flag's parse error, too, as a rejection. */
async function inputOf(args: string[]) {
  const command = withFleetFlags(
    withPolicyFlags(new Command('x').exitOverride().configureOutput({ writeErr: () => {} })),
  ).parse(args, { from: 'user' });
  return fleetInputOf(command.opts());
}

describe('the fleet flags', () => {
  it('keep --project as one project’s fleet', async () => {
    expect(await inputOf(['--project', 'p', '--servers', 'a,b', '--concurrency', '3'])).toEqual({
      projectId: 'p',
      serverIds: ['a', 'b'],
      concurrency: 3,
    });
  });

  it('take several projects from a file and repeated or comma-separated --projects, the flags filling in what an entry leaves out', async () => {
    const file = join(dir, 'projects.json');
    await writeFile(file, JSON.stringify([{ projectId: 'f', serverIds: ['s1'], concurrency: 7 }]));
    expect(
      await inputOf([
        '--projects-file',
        file,
        '--projects',
        'a:ap-southeast-3:2,b',
        '--projects',
        'c::4',
        '--region',
        'cn-east-3',
        '--manage-state',
        'ready',
        '--concurrency',
        '9',
        '--max-interval',
        '1m',
      ]),
    ).toEqual({
      projects: [
        { projectId: 'f', region: 'cn-east-3', serverIds: ['s1'], concurrency: 7 },
        { projectId: 'a', region: 'ap-southeast-3', manageState: 'ready', concurrency: 2 },
        { projectId: 'b', region: 'cn-east-3', manageState: 'ready', concurrency: 9 },
        { projectId: 'c', region: 'cn-east-3', manageState: 'ready', concurrency: 4 },
      ],
      policy: { maxInterval: '1m' },
    });
  });

  it('name what is wrong: the file’s entry and field, a bad entry, a mix of one and several projects', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify([{ projectId: 'a' }, { projectId: 'b', concurrency: 0 }]));
    const refused = await inputOf(['--projects-file', file]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as Error).message).toMatch(
      new RegExp(`^--projects-file ${file}: invalid input: projects\\.1\\.concurrency: `),
    );
    await writeFile(file, '{ not json');
    await expect(inputOf(['--projects-file', file])).rejects.toThrow(/not JSON/);
    await expect(inputOf(['--projects', 'a:b:c:d'])).rejects.toThrow(
      'expected projectId[:region[:concurrency]]',
    );
    await expect(inputOf(['--projects', 'a:cn-east-3:x'])).rejects.toThrow('whole number');
    await expect(inputOf(['--project', 'a', '--projects', 'b'])).rejects.toThrow(InvalidArgumentError);
    await expect(inputOf(['--projects', 'a', '--servers', 's'])).rejects.toThrow(
      '--servers belongs to one project',
    );
    await expect(inputOf([])).rejects.toThrow('--project, --projects or --projects-file');
  });
});
