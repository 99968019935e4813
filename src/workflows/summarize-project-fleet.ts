import { ApplicationFailure, CancellationScope, ParentClosePolicy } from '@temporalio/workflow';
import {
  type CollectionTotals,
  describeFleet,
  fleetTotals,
  parseSummarizeProjectFleetInput,
  readFleetResult,
  type SummarizeProjectFleetInput,
  WorkflowType,
} from '../contract/index.js';
import { runChild } from './cancellable-child.js';
import { childFailure } from './child-failure.js';
import type { collectFleetLogs } from './collect-fleet-logs.js';

/**
 * One project of `collectProjectsLogs`: runs the project's `collectFleetLogs` as its child and
 * hands back the totals alone. A fleet's result lists up to a hundred failures and its manifests;
 * were the multi-project collection the fleets' parent, all of that for every project would sit
 * in its one history, and a fleet from before manifests would put every server there.
 */
export async function summarizeProjectFleet(input: SummarizeProjectFleetInput): Promise<CollectionTotals> {
  const { fleetWorkflowId } = parseSummarizeProjectFleetInput(input);
  const { fleet } = input;
  try {
    const result = await runChild<typeof collectFleetLogs>(WorkflowType.CollectFleetLogs, {
      workflowId: fleetWorkflowId,
      args: [fleet],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: describeFleet(fleet.projectId),
    });
    // A fleet that began on a build before manifests returns every server; counted the same.
    return fleetTotals(readFleetResult(result).result);
  } catch (err) {
    if (CancellationScope.current().consideredCancelled) throw err;
    // Under the fleet's own failure type, so the collection records why the project failed.
    const { type, message } = childFailure(err, `its fleet ${fleetWorkflowId} was already running`);
    throw ApplicationFailure.create({
      type,
      message: `Project ${fleet.projectId}: ${message}`,
      nonRetryable: true,
    });
  }
}
