import { resolve } from 'node:path';
import { parseCheckov } from '../plan/checkov.ts';
import { parseConftest } from '../plan/conftest.ts';
import { evaluatePolicies } from '../plan/evaluate-policies.ts';
import type { Policy } from '../plan/policy.ts';
import { type PolicyResult, summarizePolicyResults } from '../plan/policy-results.ts';
import type { TerraformPlan } from '../plan/terraform-plan.ts';
import type { ToolContext } from './iac-tool.ts';
import { type Command, runCommand } from './run-command.ts';

async function runScanner(
  ctx: ToolContext,
  name: 'conftest' | 'checkov',
  command: Command,
  parse: (stdout: string) => PolicyResult[],
): Promise<PolicyResult[]> {
  const broken = (message: string): PolicyResult[] => [
    // A configured scanner that cannot run blocks the plan rather than passing it unchecked.
    { name, source: name, severity: 'mandatory', passed: false, message },
  ];
  ctx.log.line(`$ ${name} on plan.json`);
  try {
    const result = await runCommand(command, {
      cwd: ctx.projectDir,
      env: ctx.env,
      log: ctx.log,
      capture: true,
      missing: `${name} not found on PATH`,
    });
    try {
      return parse(result.stdout);
    } catch {
      return broken(`${name} exited ${result.code} without JSON results`);
    }
  } catch (error) {
    return broken((error as Error).message);
  }
}

/** Runs signoff's policies and, when the project configures them, conftest and Checkov; returns every result. */
export async function checkPolicies(
  ctx: ToolContext,
  plan: TerraformPlan,
  planJson: string,
  policies: Policy[],
): Promise<PolicyResult[]> {
  const results = evaluatePolicies(plan, policies);
  const conftest = ctx.project.policy?.conftest;
  if (conftest) {
    const policyDir = resolve(ctx.projectDir, conftest.policy);
    const command = ['conftest', 'test', '--no-color', '--output', 'json', '--policy', policyDir, planJson];
    results.push(...(await runScanner(ctx, 'conftest', command, parseConftest)));
  }
  if (ctx.project.policy?.checkov) {
    const command = ['checkov', '--file', planJson, '--framework', 'terraform_plan', '--output', 'json'];
    results.push(...(await runScanner(ctx, 'checkov', command, (out) => parseCheckov(out))));
  }
  const summary = summarizePolicyResults(results);
  ctx.log.line(
    `policies: ${summary.passed} passed, ${summary.failed} failed (${summary.mandatory_failed} mandatory)`,
  );
  for (const r of results.filter((x) => !x.passed)) {
    ctx.log.line(`  FAILED [${r.severity}] ${r.name}${r.message ? `: ${r.message}` : ''}`);
  }
  return results;
}
