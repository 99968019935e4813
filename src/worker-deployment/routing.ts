import { tsToDate } from '@temporalio/common/lib/time.js';
import protos, { type temporal } from '@temporalio/proto';
import type { BuildStatus, BuildView, DeploymentVersion, DeploymentView } from './contract.js';

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;

/** Where a deployment's routing lives: the namespace of its workers. */
export interface DeploymentPlace {
  service: WorkflowService;
  namespace: string;
}

const IDENTITY = 'clouddc-log-export-tracker';
// A CommonJS module: its enums are reached through the default export under ES modules.
const VersionStatus = protos.temporal.api.enums.v1.WorkerDeploymentVersionStatus;
const STATUS: Record<number, BuildStatus> = {
  [VersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT]: 'current',
  [VersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING]: 'ramping',
  [VersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING]: 'draining',
  [VersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED]: 'drained',
  [VersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE]: 'inactive',
};

/** No such deployment, or no such build in it: no versioned worker of it has polled yet. */
export class DeploymentNotFound extends Error {
  constructor(deploymentName: string, namespace: string, buildId?: string) {
    super(
      buildId
        ? `No build ${buildId} in Worker Deployment ${deploymentName} (namespace ${namespace}): no worker of that build has polled yet`
        : `No Worker Deployment named ${deploymentName} in namespace ${namespace}: no versioned worker of it has polled yet`,
    );
    this.name = 'DeploymentNotFound';
  }
}

/** The deployment's routing and builds, and the token that makes a change conditional on them. */
export async function describeDeployment(
  { service, namespace }: DeploymentPlace,
  deploymentName: string,
): Promise<{ view: DeploymentView; conflictToken: Uint8Array | null }> {
  let described: temporal.api.workflowservice.v1.IDescribeWorkerDeploymentResponse;
  try {
    described = await service.describeWorkerDeployment({ namespace, deploymentName });
  } catch (err) {
    if ((err as { code?: unknown }).code === 5) throw new DeploymentNotFound(deploymentName, namespace);
    throw err;
  }
  const info = described.workerDeploymentInfo ?? {};
  const routing = info.routingConfig ?? {};
  const builds: BuildView[] = (info.versionSummaries ?? []).map((summary) => ({
    buildId: summary.deploymentVersion?.buildId ?? '',
    status: STATUS[summary.status ?? 0] ?? 'unknown',
    ...(summary.createTime ? { createdAt: tsToDate(summary.createTime).toISOString() } : {}),
  }));
  return {
    view: {
      deploymentName,
      currentBuildId: routing.currentDeploymentVersion?.buildId || null,
      rampingBuildId: routing.rampingDeploymentVersion?.buildId || null,
      rampingPercentage: routing.rampingVersionPercentage ?? 0,
      everRouted: !!routing.currentVersionChangedTime,
      builds,
    },
    conflictToken: described.conflictToken ?? null,
  };
}

/**
 * Makes a build current: every new tracker, collection and fleet starts on it, and unversioned or
 * auto-upgrading runs move to it. With `conflictToken`, only if the routing has not changed since
 * it was read.
 */
export async function setCurrentBuild(
  { service, namespace }: DeploymentPlace,
  { deploymentName, buildId }: DeploymentVersion,
  conflictToken?: Uint8Array,
): Promise<void> {
  await service.setWorkerDeploymentCurrentVersion({
    namespace,
    deploymentName,
    buildId,
    identity: IDENTITY,
    ...(conflictToken ? { conflictToken } : {}),
  });
}

/** Sends `percentage` of new workflows to a build beside the current one; 0 keeps it ramping at none. */
export async function setRampingBuild(
  { service, namespace }: DeploymentPlace,
  { deploymentName, buildId }: DeploymentVersion,
  percentage: number,
): Promise<void> {
  await service.setWorkerDeploymentRampingVersion({
    namespace,
    deploymentName,
    buildId,
    percentage,
    identity: IDENTITY,
  });
}

/** Ends a ramp without promoting: new workflows go only to the current build again. */
export async function stopRamping(
  { service, namespace }: DeploymentPlace,
  deploymentName: string,
): Promise<void> {
  await service.setWorkerDeploymentRampingVersion({
    namespace,
    deploymentName,
    buildId: '',
    percentage: 0,
    identity: IDENTITY,
  });
}

/**
 * Removes a drained build from the deployment. The server refuses while pinned runs remain on it
 * or its workers still poll.
 */
export async function deleteBuild(
  { service, namespace }: DeploymentPlace,
  { deploymentName, buildId }: DeploymentVersion,
): Promise<void> {
  await service.deleteWorkerDeploymentVersion({
    namespace,
    deploymentVersion: { deploymentName, buildId },
    identity: IDENTITY,
  });
}
