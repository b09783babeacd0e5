/**
 * What GitHub shows of a run, derived from the run record and its gates alone (so a retry, or a
 * report from another function, always shows the run as it stands): the check run's status,
 * conclusion, title and summary, and the pull request comment. Pure; no I/O.
 */
import type { CostSummary, PlanSummary, PolicySummary, RunInfo } from '../../../statemachines/contract.ts';
import { formatChanges, formatCost, formatPolicies } from '../approval/gate-format.ts';
import type { Gate, RunRecord } from '../ports.ts';
import { describeRunOutcome, listNames } from '../runs/run-outcome.ts';
import { type CheckRunFields, GITHUB_TEXT_LIMIT } from './github-api.ts';

/** Where a run reports: the repository, the commit its check goes on, the pull request it comments on. */
export interface GitHubTarget {
  repository: string;
  head_sha: string;
  pull_number: number;
}

/** How far a run got before any gate: waiting for its project locks, or planning. */
export type ReportStage = 'queued' | 'planning';

/** What a report is rendered from. */
export interface ReportInput {
  run: RunRecord;
  gates: Gate[];
  stage: ReportStage;
  /** The run page: the link on the check run and in the comment, where eligible people approve. */
  runUrl: string;
}

/** The run's GitHub target: runs a pull request started; others (manual, webhook) report nothing. */
export function githubTargetOf(run: RunInfo): GitHubTarget | undefined {
  if (run.trigger.type !== 'github') return undefined;
  return {
    repository: run.trigger.repository,
    head_sha: run.trigger.pr.merge_commit,
    pull_number: run.trigger.pr.number,
  };
}

/** The words a comment starts with, so anyone reading the PR knows which run it belongs to. */
export function commentMarker(runId: string): string {
  return `<!-- signoff-run: ${runId} -->`;
}

const SUCCESS = new Set(['Succeeded', 'No changes', 'Bypassed']);
const TITLE_CHARS = 200;

/** The check run as the run stands now. */
export function renderCheckRun(input: ReportInput): CheckRunFields {
  const { run } = input;
  const base = {
    name: run.workflow,
    details_url: input.runUrl,
    external_id: run.id,
    started_at: run.started_at,
  };
  const state = describeState(input);
  const summary = fitGitHubLimit(renderFacts(input, state.line));
  if (state.ended) {
    return {
      ...base,
      status: 'completed',
      conclusion: conclusionOf(state.outcome),
      ...(run.stopped_at ? { completed_at: run.stopped_at } : {}),
      output: { title: cut(state.line, TITLE_CHARS), summary },
    };
  }
  return {
    ...base,
    status: state.queued ? 'queued' : 'in_progress',
    output: { title: cut(state.line, TITLE_CHARS), summary },
  };
}

/**
 * A run that succeeded passes; one that was cancelled (superseded by a newer push, stopped) is
 * `cancelled`. Branch protection lets only success, neutral and skipped through (GitHub Docs,
 * "Status checks"), so a cancelled check blocks a merge as a failed one does.
 */
function conclusionOf(outcome: string): NonNullable<CheckRunFields['conclusion']> {
  if (SUCCESS.has(outcome)) return 'success';
  return outcome === 'Cancelled' ? 'cancelled' : 'failure';
}

/** The pull request comment as the run stands now (Markdown, within GitHub's limit). */
export function renderComment(input: ReportInput): string {
  const state = describeState(input);
  const head = [
    commentMarker(input.run.id),
    `### signoff · ${escapeText(input.run.workflow)}: ${escapeText(state.ended ? state.outcome : 'in progress')}`,
    '',
    `${escapeText(state.line)} · [Open the run](${input.runUrl})`,
    '',
  ];
  return fitGitHubLimit([...head, renderFacts(input, undefined)].join('\n'));
}

interface RunState {
  ended: boolean;
  queued: boolean;
  outcome: string;
  /** One line: `planning…`, `waiting for approval: 1 of 2 (team:platform-leads)`, or the outcome in words. */
  line: string;
}

function describeState({ run, gates, stage }: ReportInput): RunState {
  if (run.status !== 'RUNNING') {
    const { outcome, outcome_detail } = describeRunOutcome({ run, gates });
    return { ended: true, queued: false, outcome, line: `${outcome}: ${outcome_detail}` };
  }
  const pending = gates.find((g) => g.status === 'pending');
  if (pending) {
    const approvals = `${pending.approved_by.length} of ${pending.required}`;
    return {
      ended: false,
      queued: false,
      outcome: 'Waiting for approval',
      line: `waiting for approval: ${approvals} (${pending.config.approvers.join(', ')})`,
    };
  }
  const approved = gates.filter((g) => g.status === 'approved');
  if (approved.length > 0) {
    const names = approved.flatMap((g) => g.approved_by.map((a) => a.name));
    // A run before the merge applies nothing: its approval is what the merge waits for.
    const next = run.trigger.type === 'github' && run.trigger.event === 'pull_request' ? '' : '; applying…';
    return {
      ended: false,
      queued: false,
      outcome: 'Running',
      line: `approved by ${listNames([...new Set(names)])}${next}`,
    };
  }
  if (stage === 'queued')
    return { ended: false, queued: true, outcome: 'Queued', line: 'queued, waiting for its project locks' };
  return { ended: false, queued: false, outcome: 'Running', line: 'planning…' };
}

/** Plan, cost, policies, approvers and outcome, as Markdown; `line` leads when given (the check's summary). */
function renderFacts(input: ReportInput, line: string | undefined): string {
  const data = latestData(input.gates);
  const parts: string[] = line ? [escapeText(line), ''] : [];
  if (data.plan) {
    parts.push(
      `**Plan** (${escapeText(data.plan.project)}): ${formatChanges(data.plan)}`,
      '',
      ...resourceDetails(data.plan),
    );
  } else parts.push(`**Plan:** ${input.run.status === 'RUNNING' ? 'not ready yet' : 'none recorded'}`, '');
  parts.push(
    `**Cost:** ${escapeText(formatCostOf(data.cost))}`,
    `**Policies:** ${escapeText(formatPolicies(data.policy))}`,
  );
  for (const gate of input.gates)
    parts.push(`**Approvers** (${escapeText(gate.step_id)}): ${describeApprovers(gate)}`);
  if (input.run.status !== 'RUNNING') {
    const { outcome, outcome_detail } = describeRunOutcome({ run: input.run, gates: input.gates });
    parts.push(`**Outcome:** ${escapeText(outcome)}: ${escapeText(outcome_detail)}`);
  }
  return parts.join('\n');
}

/** The newest gate's plan, cost and policies: what the approvers saw. */
function latestData(gates: Gate[]): { plan?: PlanSummary; cost?: CostSummary; policy?: PolicySummary } {
  const gate = [...gates].sort((a, b) => a.requested_at.localeCompare(b.requested_at)).at(-1);
  return gate?.data ?? {};
}

function formatCostOf(cost: CostSummary | undefined): string {
  return cost ? formatCost(cost) : 'not estimated';
}

/** A collapsed `<details>` per resource type, listing its resources and their actions. */
function resourceDetails(plan: PlanSummary): string[] {
  const byType = new Map<string, PlanSummary['resources']>();
  for (const resource of plan.resources) {
    const type = resourceType(resource.address);
    byType.set(type, [...(byType.get(type) ?? []), resource]);
  }
  const lines: string[] = [];
  for (const [type, resources] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(
      `<details><summary>${escapeText(type)} (${resources.length})</summary>`,
      '',
      ...resources.map((r) => `- ${escapeText(r.action)} \`${r.address.replace(/`/g, "'")}\``),
      '',
      '</details>',
    );
  }
  if (plan.resources_truncated) lines.push('', '…and more resources: the run page lists every one.');
  if (lines.length > 0) lines.push('');
  return lines;
}

/** `aws_s3_bucket` of `module.net.aws_s3_bucket.logs["a"]`: the part before the resource name. */
function resourceType(address: string): string {
  const parts = address.replace(/\[[^\]]*\]/g, '').split('.');
  const type = parts.find(
    (p, i) => i < parts.length - 1 && p !== 'module' && parts[i - 1] !== 'module' && p !== 'data',
  );
  return type ?? address;
}

function describeApprovers(gate: Gate): string {
  const asked = escapeText(gate.config.approvers.join(', '));
  const approved = gate.approved_by.map((a) => a.name);
  const soFar = `${gate.approved_by.length} of ${gate.required}`;
  const by = approved.length > 0 ? `; approved by ${escapeText(listNames(approved))}` : '';
  const rejected =
    gate.status === 'rejected' && gate.closed_by ? `; rejected by ${escapeText(gate.closed_by.name)}` : '';
  return `${asked}: ${soFar}${by}${rejected}`;
}

/**
 * Text from people (names, resource addresses, reasons) kept as text: no HTML, no Markdown links
 * or images, and no `@` mentions, which would notify whoever a name or a comment names.
 */
export function escapeText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/([[\]*_~`|\\])/g, '\\$1');
}

const CUT_NOTE = '\n\n…cut to GitHub’s 65,535-character limit: the run page has everything.';

/** Keeps a summary or a comment within GitHub's limit, saying so when it was cut. */
export function fitGitHubLimit(text: string): string {
  if (text.length <= GITHUB_TEXT_LIMIT) return text;
  return `${text.slice(0, GITHUB_TEXT_LIMIT - CUT_NOTE.length)}${CUT_NOTE}`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
