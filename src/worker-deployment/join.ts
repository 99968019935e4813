import type { DeploymentVersion, DeploymentView } from './contract.js';
import { DeploymentNotFound, type DeploymentPlace, describeDeployment, setCurrentBuild } from './routing.js';

/** How long a worker waits for the server to list its build after it starts polling. */
const REGISTRATION_TIMEOUT_MS = 30_000;
const RETRY_MS = 250;

/**
 * Called once the worker polls, which is what registers its build with the deployment. A
 * deployment that never had a current build (its first worker ever) makes this build current,
 * so a first install needs no step of its own; after that a new build only takes new work when
 * promoted (`deploy promote`), and the line returned says so.
 */
export async function joinDeployment(place: DeploymentPlace, version: DeploymentVersion): Promise<string> {
  const deadline = Date.now() + REGISTRATION_TIMEOUT_MS;
  for (;;) {
    const described = await describeDeployment(place, version.deploymentName).catch((err: unknown) => {
      if (err instanceof DeploymentNotFound) return undefined;
      throw err;
    });
    const registered = described?.view.builds.some((build) => build.buildId === version.buildId);
    if (described && registered) {
      const { view, conflictToken } = described;
      if (view.everRouted || view.currentBuildId !== null) return describeRouting(view, version);
      try {
        await setCurrentBuild(place, version, conflictToken ?? undefined);
        return `Build ${version.buildId} is the first of Worker Deployment ${version.deploymentName}: it is now current, and new trackers, collections and fleets start on it`;
      } catch (err) {
        // Another worker chose first (the token no longer matches): read what it chose.
        if (Date.now() > deadline) throw err;
      }
    } else if (Date.now() > deadline) {
      throw new Error(
        `The server did not list build ${version.buildId} in Worker Deployment ${version.deploymentName} within ${REGISTRATION_TIMEOUT_MS / 1000} s of polling`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

function describeRouting(view: DeploymentView, { deploymentName, buildId }: DeploymentVersion): string {
  if (view.currentBuildId === buildId)
    return `Build ${buildId} is current in Worker Deployment ${deploymentName}: new trackers, collections and fleets start on it`;
  const current = view.currentBuildId === null ? 'unversioned workers' : `build ${view.currentBuildId}`;
  const ramping =
    view.rampingBuildId === buildId
      ? ` (this build takes ${view.rampingPercentage}% of them, ramping)`
      : view.rampingBuildId
        ? ` (build ${view.rampingBuildId} takes ${view.rampingPercentage}%, ramping)`
        : '';
  return (
    `Build ${buildId} joined Worker Deployment ${deploymentName}; new workflows start on ${current}${ramping}. ` +
    `It runs what is pinned to it; to move new work here: npm run cli -- deploy ramp ${buildId} --percent 10, then deploy promote ${buildId}`
  );
}
