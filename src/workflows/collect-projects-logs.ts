import {
  CancellationScope,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type CollectProjectsLogsInput,
  type CollectProjectsLogsResult,
  getProjectsProgressQuery,
  overallOf,
  type ProjectProgress,
  type ProjectsProgress,
  parseCollectProjectsLogsInput,
  projectFleetWorkflowId,
  projectSummaryOf,
  projectSummaryWorkflowId,
  WorkflowType,
} from '../contract/index.js';
import { runChild } from './cancellable-child.js';
import { childFailure } from './child-failure.js';
import { projectsDetails } from './projects-details.js';
import type { summarizeProjectFleet } from './summarize-project-fleet.js';

/**
 * Collects several projects' fleets at once (one project per region, say), each as its own
 * `collectFleetLogs` under its own project's request budget, and sums them up per project and
 * overall. One project's failure never stops the others. Its history holds a few events per
 * project whatever the fleets' sizes: each fleet continues as new on its own, and only its totals
 * come back (see `summarizeProjectFleet`).
 */
export async function collectProjectsLogs(
  input: CollectProjectsLogsInput,
): Promise<CollectProjectsLogsResult> {
  parseCollectProjectsLogsInput(input);
  const collectionId = workflowInfo().workflowId;
  const { policy, destination } = input;
  const runs = input.projects.map((entry) => {
    const project: ProjectProgress = {
      projectId: entry.projectId,
      ...(entry.region ? { region: entry.region } : {}),
      fleetWorkflowId: projectFleetWorkflowId(collectionId, entry.projectId),
      state: 'running',
    };
    // As the caller wrote it (durations as "5m"), for the fleet's page in the Web UI.
    return {
      project,
      fleet: { ...entry, ...(policy ? { policy } : {}), ...(destination ? { destination } : {}) },
    };
  });
  const projects = runs.map((run) => run.project);
  setHandler(getProjectsProgressQuery, () => progressOf(projects));
  setCurrentDetails(projectsDetails(projects));

  await Promise.all(
    runs.map(async ({ fleet, project }) => {
      const summaryId = projectSummaryWorkflowId(collectionId, project.projectId);
      try {
        project.summary = await runChild<typeof summarizeProjectFleet>(WorkflowType.SummarizeProjectFleet, {
          workflowId: summaryId,
          args: [{ fleetWorkflowId: project.fleetWorkflowId, fleet }],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          staticSummary: `Project ${project.projectId} (${project.region ?? 'default region'}) of a multi-project log collection`,
        });
        project.state = 'completed';
      } catch (err) {
        // The collection itself was cancelled: its children are cancelled with it; nothing to record.
        if (CancellationScope.current().consideredCancelled) return;
        project.failure = childFailure(
          err,
          `a collection of this project was already running (${summaryId})`,
        );
        project.state = 'failed';
      }
      setCurrentDetails(projectsDetails(projects));
    }),
  );
  if (CancellationScope.current().consideredCancelled) await CancellationScope.current().cancelRequested;
  const summaries = projects.map(projectSummaryOf);
  return { projects: summaries, overall: overallOf(summaries) };
}

function progressOf(projects: readonly ProjectProgress[]): ProjectsProgress {
  const count = (state: ProjectProgress['state']) => projects.filter((p) => p.state === state).length;
  return {
    projects: [...projects],
    running: count('running'),
    completed: count('completed'),
    failed: count('failed'),
  };
}
