import { allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { continueOnCurrentBuild } from '../worker-deployment/continue-on-current-build.js';
import { renewShareUpdate, setSendQuotaUpdate } from './contract.js';
import { emptyRegistry, GONE_AFTER_MS, type Registry, renew, withQuota } from './send-shares.js';

/**
 * The registry of the workers' send shares for one activity task queue: each worker process
 * renews through an Update every few seconds and sends with the grant it gets back
 * (`send-shares.ts` says why the shares never sum to more than a quota), and projects' own quotas
 * come through another. It ends once no worker has renewed for as long as a member stays counted
 * and no project has a quota of its own, and continues as new when its history grows.
 */
export async function sendShares(carried?: Registry): Promise<void> {
  let registry = carried ?? emptyRegistry();
  let changes = 0;
  setHandler(renewShareUpdate, ({ member }) => {
    const renewed = renew(registry, member, Date.now());
    registry = renewed.registry;
    changes++;
    return renewed.grant;
  });
  setHandler(setSendQuotaUpdate, ({ projectId, quota }) => {
    registry = withQuota(registry, projectId, quota);
    changes++;
  });
  // It moves to a newly promoted build at once: pinned to one that drains, it would answer no
  // renewal, and every worker's gates would close within a lease.
  const moveOn = () =>
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().targetWorkerDeploymentVersionChanged ||
    workflowInfo().historyLength > 2_000;
  for (;;) {
    const seen = changes;
    const heard = await condition(() => changes !== seen || moveOn(), GONE_AFTER_MS);
    if (!heard && Object.keys(registry.quotas).length === 0) break;
    if (moveOn()) {
      await condition(allHandlersFinished);
      await continueOnCurrentBuild<typeof sendShares>(registry);
    }
  }
  await condition(allHandlersFinished);
}
