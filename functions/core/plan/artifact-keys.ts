/** Artifact names of one iac step; each lives at `runs/<runId>/<stepId>/<name>`. */
export const ARTIFACT = {
  planJson: 'plan.json',
  /** The tool's saved plan: `terraform plan -out`, or what a command project writes. */
  savedPlan: 'plan.tfplan',
  log: 'log.txt',
  /** `StepSummary`: the plan summary with its cost and policy results. */
  summary: 'summary.json',
  /** `PolicyReport`: every policy result of the plan; the summary carries counts and failures only. */
  policy: 'policy.json',
  /** Written by an apply whose re-plan differs from the approved plan (plan drift, `DriftReport`). */
  drift: 'drift.json',
  /** Written by a drift check (`mode: drift`): every resource that differs (`DriftCheckReport`). */
  driftCheck: 'drift-check.json',
  /** Written by an apply that ran: its outcome. */
  apply: 'apply.json',
} as const;

/** The store key of one artifact of one step of one run. */
export function artifactKey(runId: string, stepId: string, name: string): string {
  for (const part of [runId, stepId]) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(part) || part === '.' || part === '..') {
      throw new Error(`not usable in an artifact key: ${JSON.stringify(part)}`);
    }
  }
  return `runs/${runId}/${stepId}/${name}`;
}
