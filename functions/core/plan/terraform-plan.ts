/**
 * The part of `terraform show -json PLANFILE` output that signoff reads, as zod schemas.
 * Unknown fields are kept (`looseObject`), so newer Terraform versions still parse and
 * the plan hash sees every field Terraform wrote.
 */
import { z } from 'zod';
import { SignoffError } from '../errors.ts';

/** One action Terraform can plan for a resource instance. */
export const planActionSchema = z.enum(['no-op', 'create', 'read', 'update', 'delete', 'forget']);
export type PlanAction = z.infer<typeof planActionSchema>;

/** The `change` object of one resource change. */
export const changeSchema = z.looseObject({
  actions: z.array(planActionSchema).min(1),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  after_unknown: z.unknown().optional(),
  before_sensitive: z.unknown().optional(),
  after_sensitive: z.unknown().optional(),
  importing: z.unknown().optional(),
});

/** One entry of `resource_changes`. */
export const resourceChangeSchema = z.looseObject({
  address: z.string().min(1),
  previous_address: z.string().optional(),
  module_address: z.string().optional(),
  mode: z.enum(['managed', 'data']),
  type: z.string().min(1),
  name: z.string().min(1),
  index: z.unknown().optional(),
  provider_name: z.string().optional(),
  deposed: z.string().optional(),
  action_reason: z.string().optional(),
  change: changeSchema,
});
export type ResourceChange = z.infer<typeof resourceChangeSchema>;

/** A whole JSON plan; `resource_changes` is absent when Terraform has nothing to list. */
export const terraformPlanSchema = z.looseObject({
  format_version: z.string().regex(/^\d+\.\d+$/, 'must be a Terraform JSON format version such as 1.2'),
  terraform_version: z.string().optional(),
  resource_changes: z.array(resourceChangeSchema).default([]),
});
export type TerraformPlan = z.infer<typeof terraformPlanSchema>;

/** Thrown when a file is not a Terraform JSON plan; the message lists every problem. */
export class InvalidPlanError extends SignoffError {}

/** Parses plan JSON (text or an already parsed value), throwing InvalidPlanError with every problem. */
export function parseTerraformPlan(input: string | unknown): TerraformPlan {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new InvalidPlanError(`plan is not JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  const parsed = terraformPlanSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidPlanError(`not a Terraform JSON plan: ${problems.join('; ')}`);
  }
  return parsed.data;
}
