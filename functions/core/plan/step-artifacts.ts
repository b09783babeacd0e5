/** The JSON artifacts a build writes for the summarize task to read. */
import type { CostSummary, PlanSummary, PolicySummary } from '../../../statemachines/contract.ts';

/** `summary.json` of a plan step. */
export interface StepSummary {
  plan: PlanSummary;
  cost: CostSummary;
  policy: PolicySummary;
}

/** `drift.json` of an apply step whose re-plan differs from the approved plan. */
export interface DriftReport {
  approved_hash: string;
  current_hash: string;
  /** Addresses whose change differs between the approved plan and the re-plan. */
  addresses: string[];
  plan_from: string;
}

/** `apply.json` of an apply step that ran the saved plan. */
export interface ApplyReport {
  status: 'applied' | 'failed';
  plan_hash: string;
  plan_from: string;
  exit_code: number;
  finished_at: string;
}
