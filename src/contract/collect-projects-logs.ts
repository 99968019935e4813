/**
 * The contract of `collectProjectsLogs`: several projects' fleets (one project per region, say)
 * collected in parallel by one workflow, each within its own project's budget, summed up per
 * project and overall.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { type CollectionTotals, collectFleetLogsInputSchema } from './collect-fleet-logs.js';
import { destinationSchema } from './collect-server-logs.js';
import { parseInput } from './input.js';
import { policyInputSchema } from './polling-policy.js';

export const MAX_PROJECTS = 100;
/** Servers named across all projects: one project's limit, so the input stays one payload. */
export const MAX_NAMED_SERVERS = 20_000;

/** One project of the list: a `collectFleetLogs` input without the fields every project shares. */
export const projectEntrySchema = collectFleetLogsInputSchema.omit({ policy: true, destination: true });

export type ProjectEntry = z.input<typeof projectEntrySchema>;

export const projectEntriesSchema = z
  .array(projectEntrySchema, { error: 'expected a list of projects' })
  .min(1, { error: 'must name at least one project' })
  .max(MAX_PROJECTS, { error: `must name at most ${MAX_PROJECTS} projects; split larger lists` })
  .superRefine((entries, ctx) => {
    const firstAt = new Map<string, number>();
    entries.forEach((entry, index) => {
      const seen = firstAt.get(entry.projectId);
      if (seen === undefined) firstAt.set(entry.projectId, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'projectId'],
          message: `"${entry.projectId}" is listed twice (also at projects.${seen}); a project runs once per collection`,
        });
    });
    const named = entries.reduce((sum, entry) => sum + (entry.serverIds?.length ?? 0), 0);
    if (named > MAX_NAMED_SERVERS)
      ctx.addIssue({
        code: 'custom',
        message: `must name at most ${MAX_NAMED_SERVERS.toLocaleString('en')} servers in all (${named.toLocaleString('en')} named); let the projects be listed instead`,
      });
  });

export const collectProjectsLogsInputSchema = z.strictObject(
  {
    projects: projectEntriesSchema,
    policy: policyInputSchema,
    destination: destinationSchema.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'expected a JSON object' : undefined) },
);

/** The input of `collectProjectsLogs`: the projects, and the policy and destination they share. */
export type CollectProjectsLogsInput = z.input<typeof collectProjectsLogsInputSchema>;
export type CollectProjectsLogsRequest = z.output<typeof collectProjectsLogsInputSchema>;

/** "Log collection of 3 projects (proj-a, proj-b, proj-c)", for messages and summaries. */
export function describeProjects(projectIds: readonly string[]): string {
  const shown = projectIds.slice(0, 5).join(', ');
  const more = projectIds.length > 5 ? `, and ${projectIds.length - 5} more` : '';
  return `Log collection of ${projectIds.length} project${projectIds.length === 1 ? '' : 's'} (${shown}${more})`;
}

export function parseCollectProjectsLogsInput(raw: unknown): CollectProjectsLogsRequest {
  return parseInput(collectProjectsLogsInputSchema, raw, (valid) => {
    const ids = z.object({ projects: z.array(z.object({ projectId: z.string() })) }).safeParse(valid);
    return ids.success ? describeProjects(ids.data.projects.map((p) => p.projectId)) : undefined;
  });
}

/**
 * A project's fleet within a multi-project collection: derived from the collection's ID, so a
 * retried or reset collection finds its project's fleet under the same ID instead of starting a
 * second one beside it.
 */
export function projectFleetWorkflowId(collectionWorkflowId: string, projectId: string): string {
  return `${collectionWorkflowId}:${projectId}`;
}

/** The child that runs a project's fleet and hands the collection its summary (`summarizeProjectFleet`). */
export function projectSummaryWorkflowId(collectionWorkflowId: string, projectId: string): string {
  return `${projectFleetWorkflowId(collectionWorkflowId, projectId)}:summary`;
}

/** A project whose fleet ended without a result (its listing refused, say, or it was terminated). */
export interface ProjectFailure {
  type: string;
  message: string;
}

/** One project of the result: its totals and where its every server is listed. */
export interface ProjectSummary extends CollectionTotals {
  projectId: string;
  /** As given; absent for the worker's default region. */
  region?: string;
  /** The project's `collectFleetLogs` run, whose result points at the manifests listing every server. */
  fleetWorkflowId: string;
  failure?: ProjectFailure;
}

/** The result of `collectProjectsLogs`: every project, and the sum over them. */
export interface CollectProjectsLogsResult {
  projects: ProjectSummary[];
  overall: CollectionTotals & { projects: number; projectsFailed: number };
}

/** Input of `summarizeProjectFleet`: a project's fleet, and the ID it runs under. */
export const summarizeProjectFleetInputSchema = z.strictObject({
  fleetWorkflowId: z.string().min(1),
  fleet: collectFleetLogsInputSchema,
});
export type SummarizeProjectFleetInput = z.input<typeof summarizeProjectFleetInputSchema>;

export function parseSummarizeProjectFleetInput(
  raw: unknown,
): z.output<typeof summarizeProjectFleetInputSchema> {
  return parseInput(summarizeProjectFleetInputSchema, raw, () => "A project's fleet summary");
}

/** Where a project of a running collection is; `summary` and `failure` once it has ended. */
export interface ProjectProgress {
  projectId: string;
  region?: string;
  fleetWorkflowId: string;
  state: 'running' | 'completed' | 'failed';
  summary?: CollectionTotals;
  failure?: ProjectFailure;
}

/** What `getProjectsProgress` answers: every project; live server counts are the fleets' own. */
export interface ProjectsProgress {
  projects: ProjectProgress[];
  running: number;
  completed: number;
  failed: number;
}

export const getProjectsProgressQuery = defineQuery<ProjectsProgress>('getProjectsProgress');
