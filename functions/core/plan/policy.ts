import { z } from 'zod';
import { SignoffError } from '../errors.ts';

/** One policy as written in the policies file. */
export const policySchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'must be lowercase letters, digits and dashes'),
  description: z.string().min(1),
  severity: z.enum(['mandatory', 'advisory']),
  expression: z.string().min(1),
});

/** A policy, with where it was written when it came from a file. */
export type Policy = z.infer<typeof policySchema> & { location?: { file: string; line: number } };

/** Thrown when a policies file or expression is wrong; `problems` has every one, each with its place. */
export class InvalidPolicyError extends SignoffError {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}
