/**
 * Worker Versioning: every worker joins one Worker Deployment as one build of it. Trackers and
 * collections stay on the build that started them (pinned), so a build that would not replay
 * their histories can still be rolled out while they run; the fleet workflow and the budget
 * keeper, which live for hours, move to the current build when they continue as new.
 */

/** The deployment the workers join unless `TEMPORAL_DEPLOYMENT_NAME` says otherwise. */
export const DEFAULT_DEPLOYMENT_NAME = 'clouddc-log-export-tracker';

/** One build of the deployment: what a worker runs, and what a pinned workflow is pinned to. */
export interface DeploymentVersion {
  deploymentName: string;
  buildId: string;
}

/** What the server says of one build: whether it takes new work, and whether pinned work remains on it. */
export interface BuildView {
  buildId: string;
  /** `current`, `ramping`, `draining` (pinned runs remain), `drained`, `inactive` (never current). */
  status: BuildStatus;
  createdAt?: string;
}

export type BuildStatus = 'current' | 'ramping' | 'draining' | 'drained' | 'inactive' | 'unknown';

/** A deployment's routing: where new trackers, collections and fleets start. */
export interface DeploymentView {
  deploymentName: string;
  /** The build new workflows start on; null while the deployment routes to unversioned workers. */
  currentBuildId: string | null;
  rampingBuildId: string | null;
  /** Share of new workflows the ramping build takes, 0 to 100. */
  rampingPercentage: number;
  /** Whether anyone ever chose a current build (a worker joining a new deployment does that once). */
  everRouted: boolean;
  builds: BuildView[];
}
