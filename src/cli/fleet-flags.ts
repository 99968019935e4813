import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import type { ScheduledInput } from '../client/schedules.js';
import {
  type CollectFleetLogsInput,
  MANAGE_STATES,
  type ProjectEntry,
  parseInput,
  projectEntriesSchema,
} from '../contract/index.js';
import { type PolicyFlags, policyOf } from './policy-flags.js';

/** The flags `collect-fleet` and `schedule create` share: one project, or a list of them. */
export interface FleetFlags extends PolicyFlags {
  project?: string;
  projects?: ProjectEntry[];
  projectsFile?: string;
  servers?: string[];
  manageState?: string;
  concurrency?: number;
  region?: string;
  destination?: string;
}

export function withFleetFlags(command: Command): Command {
  return command
    .option('--project <id>', 'CloudDC project ID (one project; see --projects for several)')
    .option(
      '--projects <projectId[:region[:concurrency]],...>',
      'several projects in one run, comma-separated or repeated, e.g. proj-a:cn-east-3:20',
      (value: string, previous: ProjectEntry[] = []) => [
        ...previous,
        ...value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map(projectEntryOf),
      ],
    )
    .option(
      '--projects-file <path>',
      'several projects in one run: a JSON array of {projectId, region?, serverIds?, manageState?, concurrency?}',
    )
    .option('--servers <ids>', 'comma-separated server IDs (default: list the project)', (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .option(
      '--manage-state <state>',
      `servers to list: ${MANAGE_STATES.join(', ')} (default in-use; with several projects, for those that set none)`,
    )
    .option(
      '--concurrency <n>',
      'servers collected at once (default 20; with several projects, per project, for those that set none)',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1)
          throw new InvalidArgumentError('expected a whole number of at least 1');
        return n;
      },
    )
    .option(
      '--region <name>',
      'region name (the worker must serve it; with several projects, for those that set none)',
    )
    .option('--destination <dir>', 'sub-directory of the worker archive directory');
}

/** `proj-a`, `proj-a:cn-east-3`, `proj-a:cn-east-3:20` or `proj-a::20`; the contract checks the values. */
function projectEntryOf(spec: string): ProjectEntry {
  const [projectId = '', region, concurrency, ...rest] = spec.split(':');
  if (rest.length > 0) throw new InvalidArgumentError(`"${spec}": expected projectId[:region[:concurrency]]`);
  const n = Number(concurrency);
  if (concurrency && !(Number.isInteger(n) && n >= 1))
    throw new InvalidArgumentError(`"${spec}": the concurrency must be a whole number of at least 1`);
  return { projectId, ...(region ? { region } : {}), ...(concurrency ? { concurrency: n } : {}) };
}

/**
 * The input the flags describe: a `collectFleetLogs` input for `--project`, or a
 * `collectProjectsLogs` one for `--projects` and `--projects-file` (the file's entries first),
 * where `--region`, `--manage-state` and `--concurrency` fill in what an entry leaves out.
 */
export async function fleetInputOf(flags: FleetFlags): Promise<ScheduledInput> {
  const listed = flags.projects !== undefined || flags.projectsFile !== undefined;
  if (flags.project !== undefined && listed)
    throw new InvalidArgumentError(
      '--project names one project; with --projects or --projects-file, list it there',
    );
  if (flags.project !== undefined) return singleProjectInput(flags, flags.project);
  if (!listed) throw new InvalidArgumentError('name the project: --project, --projects or --projects-file');
  if (flags.servers)
    throw new InvalidArgumentError(
      "--servers belongs to one project: with several, give a project's serverIds in --projects-file",
    );
  const entries = [
    ...(flags.projectsFile ? await readProjectsFile(flags.projectsFile) : []),
    ...(flags.projects ?? []),
  ];
  return {
    projects: entries.map((entry) => ({
      ...(flags.region ? { region: flags.region } : {}),
      ...(flags.manageState && !entry.serverIds
        ? { manageState: flags.manageState as ProjectEntry['manageState'] }
        : {}),
      ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
      ...entry,
    })),
    ...(flags.destination ? { destination: flags.destination } : {}),
    ...policyOf(flags),
  };
}

function singleProjectInput(flags: FleetFlags, projectId: string): CollectFleetLogsInput {
  return {
    projectId,
    ...(flags.servers ? { serverIds: flags.servers } : {}),
    ...(flags.manageState ? { manageState: flags.manageState as CollectFleetLogsInput['manageState'] } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.destination ? { destination: flags.destination } : {}),
    ...policyOf(flags),
  };
}

/** The file's entries, checked with the contract's rules; a bad one is named by its place in the file. */
async function readProjectsFile(path: string): Promise<ProjectEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`--projects-file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`--projects-file ${path}: not JSON: ${(err as Error).message}`);
  }
  return parseInput(
    z.object({ projects: projectEntriesSchema }),
    { projects: raw },
    () => `--projects-file ${path}`,
  ).projects;
}
