/**
 * The part of `terraform show -json PLANFILE` output that signoff reads, as zod schemas.
 * Unknown fields are kept (`looseObject`), so newer Terraform versions still parse and
 * the plan hash sees every field Terraform wrote.
 */
import * as z from 'zod/mini';
import '../zod-messages.ts';
import { SignoffError } from '../errors.ts';

/** One action Terraform can plan for a resource instance. */
export const planActionSchema = z.enum(['no-op', 'create', 'read', 'update', 'delete', 'forget']);
export type PlanAction = z.infer<typeof planActionSchema>;

/** The `change` object of one resource change. */
export const changeSchema = z.looseObject({
  actions: z.array(planActionSchema).check(z.minLength(1)),
  before: z.optional(z.unknown()),
  after: z.optional(z.unknown()),
  after_unknown: z.optional(z.unknown()),
  before_sensitive: z.optional(z.unknown()),
  after_sensitive: z.optional(z.unknown()),
  importing: z.optional(z.unknown()),
});

/** One entry of `resource_changes`. */
export const resourceChangeSchema = z.looseObject({
  address: z.string().check(z.minLength(1)),
  previous_address: z.optional(z.string()),
  module_address: z.optional(z.string()),
  mode: z.enum(['managed', 'data']),
  type: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  index: z.optional(z.unknown()),
  provider_name: z.optional(z.string()),
  deposed: z.optional(z.string()),
  action_reason: z.optional(z.string()),
  change: changeSchema,
});
export type ResourceChange = z.infer<typeof resourceChangeSchema>;

/** A whole JSON plan; `resource_changes` is absent when Terraform has nothing to list. */
export const terraformPlanSchema = z.looseObject({
  format_version: z
    .string()
    .check(z.regex(/^\d+\.\d+$/, 'must be a Terraform JSON format version such as 1.2')),
  terraform_version: z.optional(z.string()),
  resource_changes: z._default(z.array(resourceChangeSchema), []),
  /**
   * What the refresh found changed outside Terraform since the last apply, in the same shape as
   * `resource_changes` (JSON Output Format, "resource_drift"). No default: a plan without it
   * parses, and hashes, as it did before.
   */
  resource_drift: z.optional(z.array(resourceChangeSchema)),
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
