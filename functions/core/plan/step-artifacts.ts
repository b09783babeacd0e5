/** The JSON artifacts a build writes for the summarize task to read. */
import type {
  CostSummary,
  GateRuleResult,
  PlanSummary,
  PolicySummary,
} from '../../../statemachines/contract.ts';
import type { DriftCheckSummary } from '../../../statemachines/drift-contract.ts';

/** `summary.json` of a plan step. */
export interface StepSummary {
  plan: PlanSummary;
  cost: CostSummary;
  policy: PolicySummary;
  /** The later gates' rules and auto-approval evaluated on this plan, by gate step id (when any gate has them). */
  gate_rules?: Record<string, GateRuleResult>;
  /** A drift check's verdict (`mode: drift`); its full report is `drift-check.json`. */
  drift_check?: DriftCheckSummary;
}

/**
 * `drift.json` of an apply step whose re-plan differs from the approved plan (plan drift; not a
 * drift check, whose report is `drift-check.json`).
 */
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
