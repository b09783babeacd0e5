import { BUILD_ENV, type GateRuleExpressions } from '../../../statemachines/contract.ts';

/** Extra variables the build runner reads besides BUILD_ENV. */
export const RUNNER_ENV = {
  artifactsDir: 'SIGNOFF_ARTIFACTS_DIR',
  artifactsBucket: 'SIGNOFF_ARTIFACTS_BUCKET',
  /** An S3 endpoint override (tests against an S3 emulator); unset in CodeBuild. */
  s3Endpoint: 'SIGNOFF_S3_ENDPOINT',
  projectsFile: 'SIGNOFF_PROJECTS_FILE',
  policiesFile: 'SIGNOFF_POLICIES_FILE',
} as const;

/** What one build is asked to do, read from its environment. */
export interface BuildSettings {
  action: 'plan' | 'apply';
  runId: string;
  stepId: string;
  project: string;
  planFrom?: string;
  approvedPlanHash?: string;
  /** The later gates' rule and auto-approval expressions a plan evaluates. */
  gateRules: GateRuleExpressions[];
  /** `drift`: the plan is a drift check (statemachines/drift-contract.ts). */
  planMode?: 'drift';
  projectsFile: string;
  policiesFile: string;
}

/** Reads the build's settings; every missing or wrong variable is reported, not only the first. */
export function readBuildSettings(env: NodeJS.ProcessEnv): { settings?: BuildSettings; problems: string[] } {
  const problems: string[] = [];
  const required = (name: string) => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set`);
    return value ?? '';
  };
  const optional = (name: string) => env[name]?.trim() || undefined;
  const action = required(BUILD_ENV.action);
  if (action && action !== 'plan' && action !== 'apply') {
    problems.push(`${BUILD_ENV.action} must be plan or apply, not ${JSON.stringify(action)}`);
  }
  const planMode = optional(BUILD_ENV.planMode);
  if (planMode !== undefined && (planMode !== 'drift' || action !== 'plan'))
    problems.push(`${BUILD_ENV.planMode} may only be drift, on a plan; got ${JSON.stringify(planMode)}`);
  const settings: BuildSettings = {
    action: action as BuildSettings['action'],
    runId: required(BUILD_ENV.runId),
    stepId: required(BUILD_ENV.stepId),
    project: required(BUILD_ENV.project),
    planFrom: optional(BUILD_ENV.planFrom),
    approvedPlanHash: optional(BUILD_ENV.approvedPlanHash),
    gateRules: readGateRules(optional(BUILD_ENV.gateRules), problems),
    ...(planMode === 'drift' ? { planMode } : {}),
    projectsFile: optional(RUNNER_ENV.projectsFile) ?? 'config/projects.yaml',
    policiesFile: optional(RUNNER_ENV.policiesFile) ?? 'config/policies.yaml',
  };
  if (settings.action === 'apply' && !settings.planFrom) {
    problems.push(
      `${BUILD_ENV.planFrom} is not set: an apply needs the plan step whose saved plan it applies`,
    );
  }
  // No fallback to the plan step's own hash: an apply started outside the state machine (by
  // anyone allowed codebuild:StartBuild) must not apply whatever the plan step produced.
  if (settings.action === 'apply' && !settings.approvedPlanHash) {
    problems.push(
      `${BUILD_ENV.approvedPlanHash} is not set: an apply only applies a plan whose hash was approved, which the workflow's state machine passes; nothing was applied`,
    );
  }
  if (settings.approvedPlanHash && !/^[0-9a-f]{64}$/.test(settings.approvedPlanHash)) {
    problems.push(`${BUILD_ENV.approvedPlanHash} must be a SHA-256 hex digest`);
  }
  return problems.length > 0 ? { problems } : { settings, problems };
}

/** The gate rules variable: a JSON list of `{ step_id, rules, auto_approve? }`, or nothing. */
function readGateRules(text: string | undefined, problems: string[]): GateRuleExpressions[] {
  if (text === undefined) return [];
  try {
    const value: unknown = JSON.parse(text);
    const valid =
      Array.isArray(value) &&
      value.every(
        (g) =>
          typeof g?.step_id === 'string' &&
          Array.isArray(g.rules) &&
          g.rules.every((r: unknown) => typeof r === 'string') &&
          (g.auto_approve === undefined || typeof g.auto_approve === 'string'),
      );
    if (valid) return value as GateRuleExpressions[];
  } catch {
    // Reported below, like any other shape that is not a list of gates.
  }
  problems.push(`${BUILD_ENV.gateRules} must be a JSON list of { step_id, rules, auto_approve }`);
  return [];
}
