import { makeContinueAsNewFunc, type Workflow } from '@temporalio/workflow';

/**
 * Continue-as-new for the workflows that live for hours (a fleet, a budget keeper): the next run
 * starts on the deployment's current build instead of staying pinned to this one, so an old
 * build drains once they reach their next continue-as-new. Without Worker Versioning it is a
 * plain continue-as-new.
 */
export function continueOnCurrentBuild<F extends Workflow>(...args: Parameters<F>): Promise<never> {
  return makeContinueAsNewFunc<F>({ initialVersioningBehavior: 'AUTO_UPGRADE' })(...args);
}
