import { readFileSync } from 'node:fs';
import { parseTerraformPlan, type TerraformPlan } from '../../../../functions/core/plan/terraform-plan.ts';

const fixtures = new URL('../../../fixtures/', import.meta.url);

/** A fixture file's text. */
export function fixtureText(path: string): string {
  return readFileSync(new URL(path, fixtures), 'utf8');
}

/** A fixture file's parsed JSON. */
export function fixtureJson(path: string): unknown {
  return JSON.parse(fixtureText(path));
}

/** A Terraform plan fixture from test/fixtures/terraform-plans, parsed. */
export function planFixture(name: string): TerraformPlan {
  return parseTerraformPlan(fixtureText(`terraform-plans/${name}.plan.json`));
}
