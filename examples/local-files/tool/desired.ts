/** The desired state: `desired.yaml`, a workspace name and a list of resources. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

// Paths stay inside the workspace: relative, no `..`, no backslashes.
const relativePath = z
  .string()
  .min(1)
  .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/, 'must be a relative path without ..');

const resourceName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lowercase letters, digits and _');

const directory = z.strictObject({
  type: z.literal('local_directory'),
  name: resourceName,
  path: relativePath,
});

const file = z.strictObject({
  type: z.literal('local_file'),
  name: resourceName,
  path: relativePath,
  content: z.string(),
  storage_class: z.enum(['standard', 'premium']).default('standard'),
});

const desiredSchema = z.strictObject({
  workspace: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/)
    .optional(),
  resources: z.array(z.discriminatedUnion('type', [directory, file])).default([]),
});

/** One desired resource. */
export type DesiredResource = z.infer<typeof desiredSchema>['resources'][number];

/** A resource's Terraform-style address, `type.name`. */
export function addressOf(r: { type: string; name: string }): string {
  return `${r.type}.${r.name}`;
}

/** Reads and validates a desired-state file; the workspace defaults to the file's base name. */
export function readDesired(file: string): { workspace: string; resources: DesiredResource[] } {
  const parsed = desiredSchema.safeParse(parse(readFileSync(file, 'utf8')) ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`${file}: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  for (const r of parsed.data.resources) {
    if (seen.has(addressOf(r))) throw new Error(`${file}: ${addressOf(r)} is declared twice`);
    seen.add(addressOf(r));
  }
  const workspace = parsed.data.workspace ?? basename(file).replace(/\.ya?ml$/, '');
  return { workspace, resources: parsed.data.resources };
}
