import { allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { continueOnCurrentBuild } from '../worker-deployment/continue-on-current-build.js';
import { renewShareUpdate } from './contract.js';
import { emptyRegistry, type Registry, renew } from './send-shares.js';

/**
 * The registry of the workers' send shares for one activity task queue: each worker process
 * renews through an Update every few seconds and sends with the grant it gets back
 * (`send-shares.ts` says why the shares never sum to more than a quota). It lives for as long as
 * workers renew, and continues as new with its registry when its history grows.
 */
export async function sendShares(carried?: Registry): Promise<void> {
  let registry = carried ?? emptyRegistry();
  setHandler(renewShareUpdate, ({ member }) => {
    const renewed = renew(registry, member, Date.now());
    registry = renewed.registry;
    return renewed.grant;
  });
  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 2_000);
  await condition(allHandlersFinished);
  await continueOnCurrentBuild<typeof sendShares>(registry);
}
