/**
 * The gate card: what an approver needs to decide, in one view model that the approval page, the
 * run page, the approval email and the Slack message all render. What (changes, cost, policies),
 * why (reason, pull request, commit), who (approvals so far, who may still approve, escalations,
 * the gates that follow and why) and when (deadline, time left).
 */
import type { FollowingGate, PlanSummary, Trigger } from '../../../statemachines/contract.ts';
import type { ApprovalEntry, Gate, GateStatus } from '../ports.ts';
import {
  type ConditionFacts,
  conditionBranch,
  currencyOf,
  describeOutcome,
  describeTest,
  readConditionField,
} from '../runs/condition-test.ts';
import { describeSource } from '../runs/source.ts';
import { mayStillVote } from './eligibility.ts';
import { askedPeople, describeAutoApproval, sameEmail } from './gate.ts';
import { formatAbsolute, formatChanges, formatCost, formatDuration, formatPolicies } from './gate-format.ts';
import { gateRequirements, requirementProgress } from './quorum.ts';

/** A person as the card names them. */
export interface CardPerson {
  name: string;
  email: string;
}

/** The pull request a GitHub-triggered run deploys. */
export interface CardPullRequest {
  number: number;
  title: string;
  author: string;
  /** The PR's page; only an https URL is kept (it becomes a link). */
  url?: string;
  repository: string;
}

/** A later approval and whether this run will reach it. */
export interface CardFollowingGate {
  name: string;
  /** `2 of team:finance`. */
  approvers: string;
  /** `follows`: this run will reach it; `not_needed`: it will not; `may_follow`: not known yet (a fact comes later). */
  state: 'follows' | 'not_needed' | 'may_follow';
  /** What decides it: `cost +$750/month > $500`; empty when every run reaches it. */
  because: string[];
  /** The whole sentence: `finance approval follows: cost +$750/month > $500`. */
  text: string;
}

/** One approval requirement of a gate with rules: the step's approvers, or a rule, with why it applies and its progress. */
export interface CardRule {
  /** Whether it applies to this plan (the step's own approvers always do). */
  matched: boolean;
  /** Whether enough of its people approved. */
  met: boolean;
  /** `1 of 1`. */
  progress: string;
  approvedBy: string[];
  /** The sentence: `network exposure changes need security: 0 of 1 from team:security; matched aws_security_group.web`. */
  text: string;
}

/** An escalation level: fired (who was added, when) or still ahead (when it will fire). */
export interface CardEscalation {
  /** `team:sre-managers`. */
  to: string;
  people: string[];
  at: string;
  fired: boolean;
  /** `Escalated to team:sre-managers (Erin Manager) at 2026-11-25 11:00 UTC, after 1 hour`. */
  text: string;
}

/** The gate card's view model. */
export interface GateCard {
  /** A change freeze in effect, or starting before the deadline: what it means for the apply. */
  freeze?: string;
  gateId: string;
  gateName: string;
  workflow: string;
  runId: string;
  runUrl: string;
  environment: string;
  status: GateStatus;
  /** One sentence on where the gate stands: `Waiting for 1 more approval`, `Rejected by Dave Net at …: “…”`. */
  headline: string;
  what: {
    project: string;
    /** Counts and Terraform's sentence, when the run planned before the gate and the gate includes the plan. */
    changes?: { add: number; change: number; destroy: number; replace: number; text: string };
    /** Resources the plan changes (capped by the plan summary); `more` counts those not listed. */
    resources: PlanSummary['resources'];
    moreResources: number;
    cost?:
      | { estimated: true; now: string; after: string; delta: string; rising: boolean }
      | { estimated: false; text: string };
    policies?: {
      text: string;
      /** Whether any policy ran; `ok` means none failed. */
      checked: boolean;
      ok: boolean;
      failures: { name: string; severity: string; message?: string }[];
      moreFailures: number;
    };
  };
  why: {
    reason?: string;
    /** `Jane Requester (jane@acme.com)`, or what started the run (`GitHub PR #42 by octocat`, `webhook`). */
    requestedBy: string;
    trigger: Trigger['type'];
    pr?: CardPullRequest;
    /** The commit: `abc1234 on main`, linked when the repository is on GitHub. */
    commit?: { text: string; sha?: string; url?: string };
  };
  who: {
    approvals: number;
    required: number;
    /** `1 of 2 approvals`. */
    progress: string;
    approvedBy: (CardPerson & { at: string; channel: string; comment?: string })[];
    /** Eligible people who have not voted (never viewers, never the requester unless self-approval is allowed); pending gates only. */
    mayStillApprove: CardPerson[];
    /** Why the requester is not listed, when they are an approver. */
    selfApproval?: string;
    escalations: CardEscalation[];
    following: CardFollowingGate[];
    /** For a gate with approver rules: the step's approvers, then each rule; empty otherwise. */
    rules: CardRule[];
  };
  when: {
    requestedAt: string;
    deadline: string;
    /** `2026-11-25 14:00 UTC`. */
    deadlineText: string;
    /** `3 hours 20 minutes left`, `expired 5 minutes ago`, or how long it took once closed. */
    timeLeft: string;
    closedAt?: string;
  };
}

/** Failed policies listed on the card; the approval page lists all of them. */
const MAX_POLICY_FAILURES = 10;

/** Builds the card of a gate at time `now` (ms), with links under `publicUrl`. */
export function buildGateCard(gate: Gate, now: number, publicUrl: string, freeze?: string): GateCard {
  return {
    // A freeze matters while the gate can still be decided: as it stands now when the caller
    // knows (the pages), otherwise as it stood when the gate was requested (Slack, email).
    ...((freeze ?? gate.freeze_notice) && gate.status === 'pending'
      ? { freeze: freeze ?? gate.freeze_notice }
      : {}),
    gateId: gate.gate_id,
    gateName: gate.config.name,
    workflow: gate.workflow,
    runId: gate.run.id,
    runUrl: `${publicUrl}/runs/${encodeURIComponent(gate.run.id)}`,
    environment: gate.run.environment,
    status: gate.status,
    headline: headlineOf(gate),
    what: whatOf(gate),
    why: whyOf(gate),
    who: whoOf(gate, now),
    when: whenOf(gate, now),
  };
}

function names(people: { name: string }[]): string {
  const list = people.map((p) => p.name);
  if (list.length <= 1) return list.join('');
  return `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function headlineOf(gate: Gate): string {
  const at = formatAbsolute(gate.closed_at ?? gate.deadline);
  const count = `${gate.approved_by.length} of ${gate.required}`;
  switch (gate.status) {
    case 'pending': {
      const missing = missingApprovals(gate);
      return `Waiting for ${plural(missing, 'more approval')} (${count} so far)`;
    }
    case 'approved':
      if (gate.auto_approved) return `${describeAutoApproval(gate.auto_approved)} at ${at}`;
      return `Approved at ${at} by ${names(gate.approved_by)}`;
    case 'rejected': {
      const by = gate.closed_by ? ` by ${gate.closed_by.name}` : '';
      return `Rejected${by} at ${at}${gate.close_comment ? `: “${gate.close_comment}”` : ''}`;
    }
    case 'timed_out':
      return `Timed out at ${at} with ${count} approvals; the run was ${gate.config.on_timeout === 'reject' ? 'rejected' : 'cancelled'}`;
    case 'cancelled':
      return `Cancelled at ${at}${gate.close_comment ? `: ${gate.close_comment}` : ''}`;
  }
}

function whatOf(gate: Gate): GateCard['what'] {
  const include = new Set(gate.config.include);
  const { plan, cost, policy } = gate.data;
  const what: GateCard['what'] = {
    project: plan?.project ?? 'no plan',
    resources: [],
    moreResources: 0,
  };
  if (plan && include.has('plan')) {
    const { add, change, destroy, replace } = plan;
    what.changes = { add, change, destroy, replace, text: formatChanges(plan) };
    const changed = plan.resources.filter((r) => r.action !== 'read');
    what.resources = changed;
    what.moreResources = Math.max(0, add + change + destroy + replace - changed.length);
  }
  if (cost && include.has('cost')) {
    if (cost.estimated) {
      const money = (n: number) =>
        cost.currency === 'USD' ? `$${n.toFixed(2)}/month` : `${n.toFixed(2)} ${cost.currency}/month`;
      what.cost = {
        estimated: true,
        now: money(cost.monthly_before),
        after: money(cost.monthly_after),
        delta: formatCost(cost),
        rising: cost.monthly_delta > 0,
      };
    } else {
      what.cost = { estimated: false, text: formatCost(cost) };
    }
  }
  if (include.has('policy')) {
    const failures = (policy?.results ?? []).filter((r) => !r.passed);
    const listed = failures.slice(0, MAX_POLICY_FAILURES);
    what.policies = {
      text: formatPolicies(policy),
      checked: policy !== undefined && policy.passed + policy.failed > 0,
      ok: (policy?.failed ?? 0) === 0,
      failures: listed.map((r) => ({
        name: r.name,
        severity: r.severity,
        ...(r.message ? { message: r.message } : {}),
      })),
      moreFailures: Math.max(0, (policy?.failed ?? 0) - listed.length),
    };
  }
  return what;
}

function whyOf(gate: Gate): GateCard['why'] {
  const { run } = gate;
  const trigger = run.trigger;
  const requester = gate.requester ?? run.started_by;
  const why: GateCard['why'] = {
    requestedBy: requester
      ? `${requester.name} (${requester.email})`
      : trigger.type === 'github'
        ? `GitHub PR #${trigger.pr.number} by ${trigger.pr.author}`
        : trigger.type,
    trigger: trigger.type,
  };
  if (run.reason) why.reason = run.reason;
  if (trigger.type === 'github') {
    const { number, title, author, url } = trigger.pr;
    why.pr = {
      number,
      title,
      author,
      ...(/^https:\/\//.test(url) ? { url } : {}),
      repository: trigger.repository,
    };
  }
  const source = describeSource(run.source, gate.data);
  if (source) {
    why.commit = {
      text: source.text,
      ...(source.commit ? { sha: source.commit } : {}),
      ...(source.url ? { url: source.url } : {}),
    };
  } else if (trigger.type === 'github') {
    // A run recorded before runs were pinned to commits: the merge commit the PR names.
    const sha = trigger.pr.merge_commit;
    why.commit = {
      text: `${sha.slice(0, 7)} on ${trigger.branch}`,
      sha,
      url: `https://github.com/${trigger.repository}/commit/${sha}`,
    };
  }
  return why;
}

function whoOf(gate: Gate, now: number): GateCard['who'] {
  const requester = gate.requester;
  const asked = askedPeople(gate);
  const selfBarred = !gate.config.allow_self_approval;
  const mayStillApprove =
    gate.status === 'pending'
      ? mayStillVote(gate, gate.approved_by).map(({ name, email }) => ({ name, email }))
      : [];
  const requesterAsked = requester && asked.some((p) => sameEmail(p.email, requester.email));
  return {
    approvals: gate.approved_by.length,
    required: gate.required,
    progress: `${gate.approved_by.length} of ${plural(gate.required, 'approval')}`,
    approvedBy: gate.approved_by.map(approvalOf),
    mayStillApprove,
    ...(requesterAsked && selfBarred && gate.status === 'pending'
      ? { selfApproval: `${requester.name} started this run and cannot approve it.` }
      : {}),
    escalations: escalationsOf(gate, now),
    following: (gate.config.follows ?? []).map((f) => followingOf(gate, f)),
    rules: rulesOf(gate),
  };
}

/** How many more approvals the gate needs, over all its requirements. */
function missingApprovals(gate: Gate): number {
  const counted = requirementProgress(gate);
  return gateRequirements(gate).reduce(
    (sum, r, i) => sum + Math.max(0, r.required - (counted[i]?.length ?? 0)),
    0,
  );
}

function rulesOf(gate: Gate): CardRule[] {
  if (!gate.rules || gate.rules.length === 0) return [];
  const counted = requirementProgress(gate);
  const line = (
    label: string,
    required: number,
    approvers: string[],
    approvals: ApprovalEntry[] | undefined,
    why: string,
  ): CardRule => {
    const by = approvals ?? [];
    const met = by.length >= required;
    const progress = `${by.length} of ${required}`;
    const who = by.length > 0 ? ` (${names(by)})` : '';
    return {
      matched: true,
      met,
      progress,
      approvedBy: by.map((a) => a.name),
      text: `${label}: ${progress} from ${approvers.join(', ')}${who}${why}`,
    };
  };
  const rules: CardRule[] = [
    line(gate.config.name.replace(/_/g, ' '), gate.config.required, gate.config.approvers, counted[0], ''),
  ];
  let index = 1;
  for (const rule of gate.rules) {
    const label = rule.reason ?? rule.when;
    if (!rule.matched) {
      rules.push({
        matched: false,
        met: true,
        progress: '',
        approvedBy: [],
        text: `${label}: not needed, the plan does not match ${rule.when}`,
      });
      continue;
    }
    const listed = rule.resources.join(', ');
    const more = rule.resources_count - rule.resources.length;
    const why =
      rule.resources_count > 0
        ? `; matched ${listed}${more > 0 ? ` and ${more} more` : ''}`
        : `; matched ${rule.when}`;
    rules.push(
      line(
        label,
        rule.required,
        rule.approvers,
        counted[index],
        `${why}${rule.shared ? '; approvals here also count for the other rules' : ''}`,
      ),
    );
    index += 1;
  }
  return rules;
}

function approvalOf(entry: ApprovalEntry): GateCard['who']['approvedBy'][number] {
  return {
    name: entry.name,
    email: entry.email,
    at: entry.at,
    channel: entry.channel,
    ...(entry.comment ? { comment: entry.comment } : {}),
  };
}

function escalationsOf(gate: Gate, now: number): CardEscalation[] {
  const requested = Date.parse(gate.requested_at);
  const levels: CardEscalation[] = [];
  const count = Math.max(
    gate.config.escalation.length,
    ...Object.keys(gate.escalations).map((k) => Number(k) + 1),
  );
  for (let index = 0; index < count; index++) {
    const level = gate.config.escalation[index];
    const fired = gate.escalations[String(index)];
    if (fired) {
      const people = fired.people.map((p) => p.name);
      const to = level ? level.approvers.join(', ') : people.join(', ');
      const whom = level && people.length > 0 ? `${to} (${people.join(', ')})` : to;
      const after = level
        ? `, after ${formatDuration(level.after_seconds * 1000)} without enough approvals`
        : '';
      levels.push({
        to,
        people,
        at: fired.at,
        fired: true,
        text: `Escalated to ${whom} at ${formatAbsolute(fired.at)}${after}`,
      });
      continue;
    }
    if (!level) continue;
    const at = new Date(requested + level.after_seconds * 1000).toISOString();
    // A level whose time is past the deadline, or a closed gate, will never fire: nothing to say.
    if (gate.status !== 'pending' || Date.parse(at) >= Date.parse(gate.deadline)) continue;
    const to = level.approvers.join(', ');
    const soon = Date.parse(at) > now ? ` (in ${formatDuration(Date.parse(at) - now)})` : '';
    levels.push({
      to,
      people: [],
      at,
      fired: false,
      text: `Escalates to ${to} at ${formatAbsolute(at)}${soon} if still waiting`,
    });
  }
  return levels;
}

/** The facts the conditions after this gate will read, as far as they are known now. */
function factsAfter(gate: Gate): ConditionFacts {
  const { plan, cost, policy } = gate.data;
  const data: ConditionFacts['data'] = { ...(plan ? { plan } : {}), ...(cost ? { cost } : {}) };
  if (policy) data.policy = policy;
  if (gate.status === 'approved') {
    data.approval = {
      gate_id: gate.gate_id,
      step_id: gate.step_id,
      status: 'approved',
      approved_by: gate.approved_by,
      approved_by_count: gate.approved_by.length,
      requested_at: gate.requested_at,
      decided_at: gate.closed_at ?? gate.requested_at,
      plan_hash: plan?.hash ?? null,
    };
  }
  return { run: gate.run, data };
}

function followingOf(gate: Gate, follower: FollowingGate): CardFollowingGate {
  const facts = factsAfter(gate);
  const currency = currencyOf(facts.data);
  const name = follower.name.replace(/_/g, ' ');
  const approvers = `${follower.required} of ${follower.approvers.join(', ')}`;
  const because: string[] = [];
  let state: CardFollowingGate['state'] = 'follows';
  for (const test of follower.when) {
    // Until this gate closes, what it will decide (approval.*) is not known.
    const unknown = test.field.startsWith('approval.') && !facts.data.approval;
    if (unknown) {
      because.push(`if ${describeTest(test, currency)}`);
      if (state === 'follows') state = 'may_follow';
      continue;
    }
    const value = readConditionField(test.field, facts);
    const branch = conditionBranch(test, value);
    const outcome = describeOutcome(test, value, currency);
    if (branch === test.branch) {
      because.push(value === undefined ? `${outcome}, which leads here` : outcome);
    } else {
      because.push(branch === 'fails' ? `${outcome}: the run stops there` : outcome);
      state = 'not_needed';
    }
  }
  const verb = { follows: 'follows', may_follow: 'may follow', not_needed: 'is not needed' }[state];
  const text = `${name} ${verb}${because.length > 0 ? `: ${because.join('; ')}` : ''}`;
  return { name, approvers, state, because, text };
}

function whenOf(gate: Gate, now: number): GateCard['when'] {
  const deadline = Date.parse(gate.deadline);
  let timeLeft: string;
  if (gate.status === 'pending') {
    timeLeft =
      deadline > now
        ? `${formatDuration(deadline - now)} left`
        : `expired ${formatDuration(now - deadline)} ago`;
  } else {
    const closed = Date.parse(gate.closed_at ?? gate.deadline);
    timeLeft = `closed after ${formatDuration(closed - Date.parse(gate.requested_at))}`;
  }
  return {
    requestedAt: gate.requested_at,
    deadline: gate.deadline,
    deadlineText: formatAbsolute(gate.deadline),
    timeLeft,
    ...(gate.closed_at ? { closedAt: gate.closed_at } : {}),
  };
}
