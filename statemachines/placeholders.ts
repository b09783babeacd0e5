import type { NotifyInput, RunData } from './contract.ts';
import type { DriftedResource } from './drift-contract.ts';

/** Every `{{placeholder}}` an http step's body may use, with what it holds. */
export const PLACEHOLDERS = {
  workflow: 'the workflow name',
  environment: 'the workflow environment',
  run_id: 'the run id',
  run_url: 'a link to the run page',
  outcome: '"succeeded", "failed" or "no changes" (the plan had nothing to change, so no gate opened)',
  outcome_label:
    'the run outcome as the runs list shows it (Succeeded, No changes, Rejected, Blocked by drift, ...)',
  outcome_detail:
    'one sentence saying who or what decided the outcome ("Rejected by Dave Kim at ...: \'why\'")',
  started_by: 'who started the run (email), or the trigger',
  trigger: 'manual, github, webhook, schedule or fix_up',
  reason: 'the reason given when the run was started',
  error: 'the error name when the run failed (Rejected, Cancelled, PlanDrift, ...)',
  cause: 'the failure cause',
  project: 'the IaC project of the latest plan',
  'plan.add': 'resources to add',
  'plan.change': 'resources to change',
  'plan.destroy': 'resources to destroy',
  'plan.replace': 'resources to replace',
  'plan.hash': 'the plan hash',
  'cost.monthly_delta': 'the monthly cost change, or "not estimated"',
  'cost.currency': 'the currency of the cost estimate',
  'approval.approved_by': 'who approved, comma separated, or "nobody"',
  'approval.approved_by_count': 'how many approved',
  'drift.status': 'what the drift checks found: "drifted", "in sync", or empty when none ran',
  'drift.count': 'how many resources differ from the code, over every drift check of the run',
  'drift.summary':
    'one line per drifted resource: address, changed outside the tool and/or what the plan would do, and the attributes that differ',
  'drift.fix_up': 'the fix-up run a drift check started (its id), or "none"',
  'pr.number': 'the pull request number (github trigger)',
  'pr.title': 'the pull request title',
  'pr.url': 'the pull request link',
} as const;

export type PlaceholderName = keyof typeof PLACEHOLDERS;

const PATTERN = /\{\{\s*([a-z_.]+)\s*\}\}/g;

/** The placeholder names a template uses, in order of appearance. */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(PATTERN)].map((m) => m[1] as string);
}

/** Whether a name is a known placeholder. */
export function isPlaceholder(name: string): name is PlaceholderName {
  return Object.hasOwn(PLACEHOLDERS, name);
}

/** The run summary an http step's template is filled from; `outcome` is the run's outcome and its sentence. */
export function buildRunSummary(
  input: NotifyInput,
  runUrl: string,
  outcome: { outcome: string; outcome_detail: string },
): Record<PlaceholderName, string> {
  const { run, data, failure } = input;
  const trigger = run.trigger;
  const cost = data.cost;
  const approvers = data.approval?.approved_by ?? [];
  const pr = trigger.type === 'github' ? trigger.pr : undefined;
  return {
    workflow: run.workflow,
    environment: run.environment,
    run_id: run.id,
    run_url: runUrl,
    outcome: input.outcome === 'no_changes' ? 'no changes' : input.outcome,
    outcome_label: outcome.outcome,
    outcome_detail: outcome.outcome_detail,
    started_by: run.started_by?.email ?? trigger.type,
    trigger: trigger.type,
    reason: run.reason ?? '',
    error: failure?.Error ?? '',
    cause: failure?.Cause ?? '',
    project: data.plan?.project ?? '',
    'plan.add': String(data.plan?.add ?? 0),
    'plan.change': String(data.plan?.change ?? 0),
    'plan.destroy': String(data.plan?.destroy ?? 0),
    'plan.replace': String(data.plan?.replace ?? 0),
    'plan.hash': data.plan?.hash ?? '',
    'cost.monthly_delta': cost?.estimated ? cost.monthly_delta.toFixed(2) : 'not estimated',
    'cost.currency': cost?.estimated ? cost.currency : '',
    // "approved by nobody", never "approved by ." when a run ended before any gate opened.
    'approval.approved_by': approvers.length > 0 ? approvers.map((a) => a.email).join(', ') : 'nobody',
    'approval.approved_by_count': String(data.approval?.approved_by_count ?? 0),
    ...describeDrift(data),
    'pr.number': pr ? String(pr.number) : '',
    'pr.title': pr?.title ?? '',
    'pr.url': pr?.url ?? '',
  };
}

/**
 * Fills a template's placeholders from the summary. `encode` is applied to every value,
 * so a JSON body stays valid JSON whatever a PR title contains.
 */
export function renderTemplate(
  template: string,
  summary: Record<string, string>,
  encode: (value: string) => string = (v) => v,
): string {
  return template.replace(PATTERN, (_, name: string) => encode(summary[name] ?? ''));
}

/** One drifted resource as a line of a notification. */
export function describeDriftedResource(r: DriftedResource): string {
  const what = [
    r.changed_outside ? 'changed outside the tool' : '',
    r.planned ? `the plan would ${r.planned} it` : '',
  ]
    .filter(Boolean)
    .join('; ');
  const attributes =
    r.attributes.length > 0 ? ` (${r.attributes.join(', ')}${r.attributes_truncated ? ', ...' : ''})` : '';
  return `${r.address}: ${what}${attributes}`;
}

/** The drift placeholders: the run's drift checks, resource by resource (capped as the state is). */
function describeDrift(data: RunData): Record<Extract<PlaceholderName, `drift.${string}`>, string> {
  const drift = data.drift;
  if (!drift) return { 'drift.status': '', 'drift.count': '0', 'drift.summary': '', 'drift.fix_up': 'none' };
  const lines = drift.checks.flatMap((c) => [
    ...c.resources.map(describeDriftedResource),
    ...(c.resources_truncated ? [`... and ${c.drifted - c.resources.length} more in ${c.project}`] : []),
  ]);
  const fixUps = drift.checks.flatMap((c) => {
    const step = data.steps?.[c.step_id] as
      | { fix_up?: { run_id?: string; workflow: string } | null }
      | undefined;
    return step?.fix_up?.run_id ? [`${step.fix_up.workflow} ${step.fix_up.run_id}`] : [];
  });
  return {
    'drift.status': drift.status === 'drifted' ? 'drifted' : 'in sync',
    'drift.count': String(drift.checks.reduce((n, c) => n + c.drifted, 0)),
    'drift.summary': lines.map((l) => `- ${l}`).join('\n'),
    'drift.fix_up': fixUps.join(', ') || 'none',
  };
}
