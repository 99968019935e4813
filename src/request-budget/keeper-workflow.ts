import {
  allHandlersFinished,
  condition,
  log,
  metricMeter,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrackerActivities } from '../activities/index.js';
import {
  CONTROL_FAIRNESS_KEY,
  DEFAULT_POLICY_MS,
  dispatchRateForQuota,
  getRateLimitQuery,
  laggedSignal,
  type ProjectRateLimitInput,
  type ProjectRateLimitStatus,
  parseProjectRateLimitInput,
  parseQuotaChange,
  projectFairnessKey,
  readLagReport,
  readThrottleReport,
  setQuotaUpdate,
  type ThrottleReport,
  throttledSignal,
} from '../contract/index.js';
import { continueOnCurrentBuild } from '../worker-deployment/continue-on-current-build.js';
import { QueueWaitLimit, scheduledUntilPickedUp } from '../workflows/queue-wait.js';
import { type Aimd, afterThrottle, nextStepAt, shareAt, startAimd } from './aimd.js';
import { type ArrivalRoom, afterLag, BASE_ROOM_MS, baseRoom, isWidened, roomAt } from './arrival-room.js';

const { applyProjectWeight } = proxyActivities<TrackerActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
  priority: { fairnessKey: CONTROL_FAIRNESS_KEY },
  summary: "set the project's weight on the activity task queue",
});

/**
 * A keeper with nothing to remember (default quota, full share) ends after this long without a
 * 429 or a change; one holding a quota of its own writes it again this often, so it follows a
 * change of the default (every weight is relative to it).
 */
const IDLE_MS = 10 * 60_000;

/**
 * A keeper is pinned to the build that started it, and holds that build from draining until it
 * continues as new onto the current one: it looks this often whether a newer build was promoted.
 */
const BUILD_CHECK_MS = 60_000;

/** The growing share is written once per step: an activity each, three from half to whole. */
const RECOVERY_STEP_MS = 10_000;

/**
 * Keeps one project's request budget for every worker of the deployment. The gateway's 429s
 * (reported by whichever activity got one) halve the project's share of its quota once per
 * overload, and the share grows back step by step (`aimd.ts`); operators can give the project a
 * quota of its own. Each change is written to the activity task queue as the weight of the
 * project's fairness key, so Temporal's matching service paces the project's activities at the
 * new rate, on every worker at once.
 */
export async function projectRateLimit(raw: ProjectRateLimitInput): Promise<ProjectRateLimitStatus> {
  const input = parseProjectRateLimitInput(raw);
  const { projectId } = input;
  const fairnessKey = projectFairnessKey(projectId);
  let quota = input.quota ?? null;
  let aimd: Aimd = {
    ...startAimd(input.share ?? 1, Date.now()),
    throttles: input.throttles ?? 0,
    decreases: input.decreases ?? 0,
    ...(input.loweredAt !== undefined ? { loweredAt: input.loweredAt } : {}),
  };
  /** The share the task queue has, or is being given. */
  let share = aimd.base;
  let lastThrottle = input.lastThrottle;
  const pending: ThrottleReport[] = [];
  /** Bumped by every change the task queue must hear about; `applied.version` says how far it has. */
  let version = quota !== null || share < 1 ? 1 : 0;
  let applied = { version: 0, defaultQuota: null as number | null, weight: 1 };
  let decreaseToApply = false;
  /** The last 429, change or refresh: the keeper ends, or refreshes its weight, IDLE_MS after it. */
  let lastEventAt = Date.now();
  let room: ArrivalRoom = input.room ?? baseRoom();
  const dispatchRateNow = () =>
    applied.defaultQuota === null ? null : dispatchRateForQuota(applied.defaultQuota) * applied.weight;

  const status = (): ProjectRateLimitStatus => {
    const effective = quota ?? applied.defaultQuota;
    return {
      projectId,
      fairnessKey,
      quota,
      defaultQuota: applied.defaultQuota,
      share,
      rate: effective === null ? null : effective * share,
      dispatchRate: dispatchRateNow(),
      weight: applied.weight,
      throttles: aimd.throttles,
      decreases: aimd.decreases,
      arrivalRoomMs: room.ms,
      ...(lastThrottle
        ? { lastThrottle: { ...lastThrottle, refusedAtIso: new Date(lastThrottle.refusedAt).toISOString() } }
        : {}),
    };
  };
  setHandler(getRateLimitQuery, status);
  setHandler(throttledSignal, (raw) => {
    const report = readThrottleReport(raw);
    if (report) pending.push(report);
    else log.warn('Ignored a throttled signal that is not a report of a 429', { signal: raw });
  });
  setHandler(laggedSignal, (raw) => {
    const report = readLagReport(raw);
    if (!report) return;
    const widened = afterLag(room, report.lagMs, Date.now());
    if (widened.ms !== room.ms) version++;
    room = widened;
    lastEventAt = Date.now();
  });
  setHandler(
    setQuotaUpdate,
    async (change) => {
      quota = parseQuotaChange(change).quota;
      lastEventAt = Date.now();
      const wanted = ++version;
      await condition(() => applied.version >= wanted);
      return status();
    },
    { validator: (change) => void parseQuotaChange(change) },
  );

  const queueWait = new QueueWaitLimit(DEFAULT_POLICY_MS.maxIntervalMs);
  for (;;) {
    const lapsed = roomAt(room, Date.now());
    if (lapsed.ms !== room.ms) version++;
    room = lapsed;
    if (applied.version < version) {
      const target = version;
      const weight = await scheduledUntilPickedUp(
        queueWait,
        "Setting the project's weight",
        (scheduleToStartTimeoutMs) =>
          applyProjectWeight.executeWithOptions({ scheduleToStartTimeout: scheduleToStartTimeoutMs }, [
            {
              fairnessKey,
              quota,
              share,
              ...(isWidened(room) ? { roomS: room.ms / 1000 } : {}),
            },
          ]),
      );
      applied = { version: target, ...weight };
      reportShare(projectId, share);
      // A decrease takes effect once the task queue has it; refusals of requests sent before
      // then are still the old overload.
      if (decreaseToApply) aimd = { ...aimd, loweredAt: Date.now() };
      decreaseToApply = false;
      setCurrentDetails(details(status()));
      continue;
    }
    const idleUntil = lastEventAt + IDLE_MS;
    const wakeAt = Math.min(
      nextStepAt(aimd, Date.now(), RECOVERY_STEP_MS) ?? idleUntil,
      isWidened(room) ? room.until : idleUntil,
      Date.now() + BUILD_CHECK_MS,
    );
    await condition(
      () =>
        pending.length > 0 ||
        applied.version < version ||
        workflowInfo().targetWorkerDeploymentVersionChanged,
      Math.max(1, wakeAt - Date.now()),
    );
    const now = Date.now();
    for (const report of pending.splice(0)) {
      lastEventAt = now;
      const before = aimd.decreases;
      aimd = afterThrottle(aimd, report.sentAt, now, RECOVERY_STEP_MS);
      lastThrottle = report;
      if (aimd.decreases !== before) {
        share = aimd.base;
        version++;
        decreaseToApply = true;
      }
    }
    const grown = shareAt(aimd, now, RECOVERY_STEP_MS);
    if (grown !== share) {
      share = grown;
      version++;
    }
    if (applied.version < version) continue;
    setCurrentDetails(details(status()));
    if (now >= idleUntil && (quota !== null || share < 1 || isWidened(room))) {
      lastEventAt = now;
      version++;
      continue;
    }
    const idle = quota === null && share >= 1 && !isWidened(room) && now >= idleUntil;
    // A keeper lives as long as its project is throttled: it moves to a newly promoted build at
    // once rather than keep the old one from draining.
    const { continueAsNewSuggested, targetWorkerDeploymentVersionChanged } = workflowInfo();
    if (idle || continueAsNewSuggested || targetWorkerDeploymentVersionChanged) {
      // A quota change waits for the loop to apply it: waiting for it to finish would deadlock.
      await condition(() => allHandlersFinished() || pending.length > 0 || applied.version < version);
      if (pending.length > 0 || applied.version < version) continue;
      if (idle) return status();
      await continueOnCurrentBuild<typeof projectRateLimit>({
        projectId,
        quota,
        share,
        throttles: aimd.throttles,
        decreases: aimd.decreases,
        ...(aimd.loweredAt !== undefined ? { loweredAt: aimd.loweredAt } : {}),
        ...(lastThrottle ? { lastThrottle } : {}),
        ...(isWidened(room) ? { room } : {}),
      });
    }
  }
}

/** What the Web UI shows on the keeper's page. */
function details(s: ProjectRateLimitStatus): string {
  const quota =
    s.quota === null ? `${s.defaultQuota ?? '?'}/s (the default)` : `${s.quota}/s (this project's own)`;
  const lines = [
    `**Rate now:** ${s.rate === null ? 'unknown' : `${round(s.rate)}/s`} · **Quota:** ${quota} · **Share in use:** ${Math.round(s.share * 100)} %`,
    `**429s from the gateway:** ${s.throttles} · **Decreases:** ${s.decreases}`,
  ];
  if (s.arrivalRoomMs !== undefined && s.arrivalRoomMs > BASE_ROOM_MS) {
    lines.push(
      `**Workers lagging:** the rates leave ${Math.round(s.arrivalRoomMs)} ms for late arrivals (${Math.round(BASE_ROOM_MS)} ms normally)`,
    );
  }
  if (s.lastThrottle) {
    lines.push(
      `**Last 429:** ${s.lastThrottle.refusedAtIso} in ${s.lastThrottle.region}${s.lastThrottle.requestId ? ` (X-Request-Id ${s.lastThrottle.requestId})` : ''}`,
    );
  }
  return lines.join('\n\n');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * The share the task queue now has, on the Prometheus endpoint of the worker running the keeper
 * (the budget-at-its-floor alert reads it).
 */
function reportShare(projectId: string, share: number): void {
  metricMeter
    .createGauge('clouddc_budget_share', 'float', 'ratio', "Share of the project's quota in use")
    .set(share, { project: projectId });
}
