import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { type Project, projectsSchema } from '../../../statemachines/schema.ts';
import { SignoffError } from '../errors.ts';
import type { Policy } from '../plan/policy.ts';
import { loadPolicies } from '../plan/policy-file.ts';

/** Thrown when the build's configuration (projects or policies file) is unusable. */
export class BuildConfigError extends SignoffError {}

/** Reads the projects file and returns the named project. */
export async function loadProject(file: string, name: string): Promise<Project> {
  let value: unknown;
  try {
    value = parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new BuildConfigError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = projectsSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new BuildConfigError(`${file} is not valid: ${problems.join('; ')}`);
  }
  const project = parsed.data.projects.find((p) => p.name === name);
  if (!project) throw new BuildConfigError(`project ${JSON.stringify(name)} is not in ${file}`);
  return project;
}

/** Reads signoff's policies; a missing file means no policies, a bad one is an error with file:line. */
export async function loadPolicyFile(file: string, displayName: string): Promise<Policy[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const { policies, problems } = loadPolicies(text, displayName);
  if (problems.length > 0)
    throw new BuildConfigError(`the policies file is not valid:\n${problems.join('\n')}`);
  return policies;
}
