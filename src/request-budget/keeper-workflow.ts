import {
  allHandlersFinished,
  condition,
  log,
  metricMeter,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrackerActivities } from '../activities/index.js';
import {
  type BacklogReport,
  backloggedSignal,
  CONTROL_FAIRNESS_KEY,
  DEFAULT_POLICY_MS,
  dispatchRateForQuota,
  getRateLimitQuery,
  laggedSignal,
  PACED_ACTIVITY,
  type ProjectRateLimitInput,
  type ProjectRateLimitStatus,
  paceHolderPriority,
  parseProjectRateLimitInput,
  parseQuotaChange,
  projectFairnessKey,
  readBacklogReport,
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
import {
  afterBacklog,
  afterBoostedPace,
  afterGap,
  afterLowered,
  boostAt,
  cooled,
  holdsBoostedRate,
  KEEP_PACE_SHARE,
  keepsPace,
  nextBoostStepAt,
  noBoost,
  paceHolderCount,
  worthBoosting,
} from './boost.js';
import { PaceHolders } from './pace-holders.js';
import { afterHolderTurn, afterPaceReport, noWorkerPace, workerTurnsPerSecond } from './worker-pace.js';

const { applyProjectWeight } = proxyActivities<TrackerActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
  priority: { fairnessKey: CONTROL_FAIRNESS_KEY },
  summary: "set the project's weight on the activity task queue",
});

const { holdPace } = proxyActivities<TrackerActivities>({
  ...PACED_ACTIVITY,
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 1 },
  summary: "hold the project's pace while it is boosted",
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

/**
 * Boosts only while the workers keep pace (`boost.ts`). A keeper that began before boosted on any
 * backlog, and replays as it ran.
 */
const BOOST_KEEPS_PACE = 'boost-keeps-pace';

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
  let applied = { version: 0, defaultQuota: null as number | null, weight: 1, boosted: false };
  let decreaseToApply = false;
  /** The last 429, change or refresh: the keeper ends, or refreshes its weight, IDLE_MS after it. */
  let lastEventAt = Date.now();
  let boost = noBoost();
  /** When the task queue last took the boosted rate: the workers' turns count against it from then. */
  let boostedAt = Number.POSITIVE_INFINITY;
  let pace = noWorkerPace();
  let room: ArrivalRoom = input.room ?? baseRoom();
  /** Set by a holder's turn or a backlog report: the loop looks at the boost again. */
  let boostNews = false;
  const effectiveQuota = () => quota ?? applied.defaultQuota;
  const dispatchRateNow = () =>
    applied.defaultQuota === null ? null : dispatchRateForQuota(applied.defaultQuota) * applied.weight;
  /** The turns a second the project's key gave out lately, counted from when it had the rate it has. */
  const turnsPerSecond = (now: number) =>
    workerTurnsPerSecond(pace, now, boost.phase === 'on' ? boostedAt : Number.NEGATIVE_INFINITY);
  const holders = new PaceHolders(
    () => holdPace.executeWithOptions({ priority: paceHolderPriority(projectId) }, []),
    (at) => {
      const quotaNow = effectiveQuota();
      if (quotaNow !== null) boost = afterGap(boost, at, quotaNow);
      pace = afterHolderTurn(pace, at);
      boostNews = true;
    },
  );

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
      boost: boost.phase,
      throttles: aimd.throttles,
      decreases: aimd.decreases,
      arrivalRoomMs: room.ms,
      ...withTurns(turnsPerSecond(Date.now())),
      ...(boost.notBefore > Date.now() ? { noBoostBefore: boost.notBefore } : {}),
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
  /** A call waited for its turn, not yet looked at by the loop. */
  let backlogReported = false;
  setHandler(backloggedSignal, (raw: BacklogReport) => {
    const report = readBacklogReport(raw);
    if (!report) return;
    pace = afterPaceReport(pace, report);
    lastEventAt = Date.now();
    backlogReported = true;
    boostNews = true;
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
      // A boost is the rate of one quota: it ends, and a backlog under the new quota starts another.
      boost = cooled(boost, Date.now());
      const wanted = ++version;
      await condition(() => applied.version >= wanted);
      return status();
    },
    { validator: (change) => void parseQuotaChange(change) },
  );

  const queueWait = new QueueWaitLimit(DEFAULT_POLICY_MS.maxIntervalMs);
  for (;;) {
    // The task queue has the normal rate and nothing is on its way to it: a boost cooling is down.
    if (!applied.boosted && applied.version === version) boost = afterLowered(boost, Date.now());
    if (backlogReported && quota === null && applied.version === 0 && version === 0) {
      // Boosting needs the quota, which the task queue knows: the keeper's first write learns it.
      version++;
    } else if (backlogReported) {
      const quotaNow = effectiveQuota();
      boost = afterBacklog(boost, Date.now(), share >= 1 && quotaNow !== null && worthBoosting(quotaNow));
      backlogReported = false;
    }
    if (boost.phase === 'off' || !patched(BOOST_KEEPS_PACE)) {
      boost = boostAt(boost, Date.now(), true);
    } else {
      const rateNow = dispatchRateNow();
      const turns = turnsPerSecond(Date.now());
      if (rateNow !== null && applied.boosted) boost = afterBoostedPace(boost, Date.now(), turns, rateNow);
      boost = boostAt(boost, Date.now(), rateNow !== null && !applied.boosted && keepsPace(turns, rateNow));
    }
    const lapsed = roomAt(room, Date.now());
    if (lapsed.ms !== room.ms) version++;
    room = lapsed;
    const quotaNow = effectiveQuota();
    holders.keep(quotaNow === null ? 0 : paceHolderCount(boost, quotaNow));
    if (holdsBoostedRate(boost) !== applied.boosted && applied.version === version) version++;
    if (applied.version < version) {
      const target = version;
      const boosted = holdsBoostedRate(boost);
      const weight = await scheduledUntilPickedUp(
        queueWait,
        "Setting the project's weight",
        (scheduleToStartTimeoutMs) =>
          applyProjectWeight.executeWithOptions({ scheduleToStartTimeout: scheduleToStartTimeoutMs }, [
            {
              fairnessKey,
              quota,
              share,
              ...(boosted ? { boosted } : {}),
              ...(isWidened(room) ? { roomS: room.ms / 1000 } : {}),
            },
          ]),
      );
      if (boosted && !applied.boosted) boostedAt = Date.now();
      applied = { version: target, ...weight, boosted };
      if (!boosted) boost = afterLowered(boost, Date.now());
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
      nextBoostStepAt(boost, Date.now()) ?? idleUntil,
      isWidened(room) ? room.until : idleUntil,
      Date.now() + BUILD_CHECK_MS,
    );
    boostNews = false;
    await condition(
      () =>
        pending.length > 0 ||
        applied.version < version ||
        boostNews ||
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
        boost = cooled(boost, now);
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
    if ((continueAsNewSuggested || targetWorkerDeploymentVersionChanged) && boost.phase !== 'off') {
      // The next run knows nothing of this boost: it ends first, holders and all.
      boost = cooled(boost, now);
      continue;
    }
    if (boost.phase !== 'off') continue;
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
  if (s.turnsPerSecond !== undefined) {
    lines.push(
      `**Turns taken lately:** ${s.turnsPerSecond}/s of ${s.dispatchRate == null ? '?' : round(s.dispatchRate)}/s dispatched (a boost needs the workers to take ${Math.round(KEEP_PACE_SHARE * 100)} % or more)`,
    );
  }
  if (s.noBoostBefore !== undefined) {
    lines.push(`**No boost before:** ${new Date(s.noBoostBefore).toISOString()}`);
  }
  if (s.lastThrottle) {
    lines.push(
      `**Last 429:** ${s.lastThrottle.refusedAtIso} in ${s.lastThrottle.region}${s.lastThrottle.requestId ? ` (X-Request-Id ${s.lastThrottle.requestId})` : ''}`,
    );
  }
  return lines.join('\n\n');
}

function withTurns(turnsPerSecond: number | undefined): { turnsPerSecond?: number } {
  return turnsPerSecond === undefined ? {} : { turnsPerSecond: round(turnsPerSecond) };
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
