/** Times plan summaries, plan hashes and policy evaluation on a large synthetic plan. */
import { readFileSync } from 'node:fs';
import { evaluatePolicies } from '../functions/core/plan/evaluate-policies.ts';
import { computePlanHash } from '../functions/core/plan/plan-hash.ts';
import { loadPolicies } from '../functions/core/plan/policy-file.ts';
import { summarizePlan } from '../functions/core/plan/summarize-plan.ts';
import { parseTerraformPlan } from '../functions/core/plan/terraform-plan.ts';

const RESOURCES = 5000;
const ACTIONS = [['create'], ['update'], ['delete'], ['delete', 'create'], ['no-op']];

function syntheticPlan(): string {
  const resource_changes = Array.from({ length: RESOURCES }, (_, i) => ({
    address: `module.m${i % 50}.aws_instance.vm[${i}]`,
    mode: 'managed',
    type: 'aws_instance',
    name: 'vm',
    index: i,
    provider_name: 'registry.terraform.io/hashicorp/aws',
    change: {
      actions: ACTIONS[i % ACTIONS.length],
      before: { instance_type: 't3.small', tags: { n: String(i) } },
      after: { instance_type: 't3.large', tags: { n: String(i), team: 'platform' } },
      after_unknown: { id: true },
    },
  }));
  return JSON.stringify({ format_version: '1.2', resource_changes });
}

function time<T>(label: string, rounds: number, fn: () => T): T {
  let out: T = fn();
  const start = performance.now();
  for (let i = 0; i < rounds; i++) out = fn();
  const ms = (performance.now() - start) / rounds;
  console.log(`${label.padEnd(40)} ${ms.toFixed(1)} ms`);
  return out;
}

/** Prints the time per operation on a plan of RESOURCES resource changes. */
export default async function bench(): Promise<void> {
  const text = syntheticPlan();
  console.log(`plan of ${RESOURCES} resource changes, ${(text.length / 1e6).toFixed(1)} MB`);
  const plan = time('parse + validate', 5, () => parseTerraformPlan(text));
  time('summarize (counts, list, hash)', 5, () =>
    summarizePlan(plan, { stepId: 'plan', project: 'bench', artifacts: { plan_json: 'x' } }),
  );
  time('plan hash', 5, () => computePlanHash(plan));
  const yaml = readFileSync(new URL('../config/policies.yaml', import.meta.url), 'utf8');
  const { policies } = loadPolicies(yaml, 'config/policies.yaml');
  time(`${policies.length} default policies`, 5, () => evaluatePolicies(plan, policies));
}
