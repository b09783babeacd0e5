import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { checkFixUps, checkWorkflow, type WorkflowContext } from './check-workflow.ts';
import { type Freezes, loadFreezes } from './freezes.ts';
import { checkPartialWorkflow, mergeInFileOrder } from './partial-workflow.ts';
import {
  type Directory,
  directorySchema,
  type Environments,
  environmentsSchema,
  type Projects,
  projectsSchema,
  toDirectory,
  type Workflow,
  workflowSchema,
} from './schema.ts';
import { type Loaded, parseWith, readYaml } from './yaml-load.ts';
import { formatProblem, type Problem, type YamlSource } from './yaml-source.ts';
import { issuesToProblems } from './zod-problems.ts';

export type { Loaded } from './yaml-load.ts';
export { formatProblem, type Problem } from './yaml-source.ts';

/** Loads `config/directory.yaml` text: users, teams and IdP mappings, with cross-checks. */
export function loadDirectory(text: string, file: string): Loaded<Directory> {
  const loaded = parseWith(directorySchema, text, file);
  if (!loaded.ok) return loaded;
  const { value: dir, source } = loaded;
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const rolesFromIdp = Object.values(dir.roles).some((r) => r !== undefined);
  dir.users.forEach((u, i) => {
    const email = u.email.toLowerCase();
    if (seen.has(email))
      problems.push(source.problem(['users', i, 'email'], `users[${i}].email: ${u.email} is listed twice`));
    seen.add(email);
    if (!u.role && !rolesFromIdp)
      problems.push(
        source.problem(
          ['users', i],
          `users[${i}]: ${u.email} has no role; give one, or map IdP groups to roles under roles:`,
        ),
      );
  });
  for (const [team, members] of Object.entries(dir.teams)) {
    if (!Array.isArray(members)) continue;
    members.forEach((m, i) => {
      if (!seen.has(m.toLowerCase()))
        problems.push(
          source.problem(['teams', team, i], `teams.${team}[${i}]: ${m} is not a user in the directory`),
        );
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: toDirectory(dir), source };
}

/** Loads `config/projects.yaml` text: the IaC projects. */
export function loadProjects(text: string, file: string): Loaded<Projects> {
  const loaded = parseWith(projectsSchema, text, file);
  if (!loaded.ok) return loaded;
  const problems: Problem[] = [];
  const seen = new Set<string>();
  loaded.value.projects.forEach((p, i) => {
    if (seen.has(p.name))
      problems.push(
        loaded.source.problem(['projects', i, 'name'], `projects[${i}].name: "${p.name}" is defined twice`),
      );
    seen.add(p.name);
  });
  return problems.length > 0 ? { ok: false, problems } : loaded;
}

/** Loads `config/environments.yaml` text: each environment's defaults. */
export function loadEnvironments(text: string, file: string): Loaded<Environments> {
  return parseWith(environmentsSchema, text, file);
}

/** Loads one workflow file's text and checks it against the directory, projects and environments. */
export function loadWorkflow(text: string, file: string, context: WorkflowContext): Loaded<Workflow> {
  const read = readYaml(text, file);
  if (!read.ok) return read;
  const { source } = read;
  const parsed = workflowSchema.safeParse(source.value);
  if (!parsed.success) {
    // The steps that did validate are still cross-checked, so one typo hides nothing else.
    const problems = issuesToProblems(source, workflowSchema, parsed.error.issues);
    return { ok: false, problems: mergeInFileOrder(problems, checkPartialWorkflow(source, context)) };
  }
  // An environment that requires a recent sign-in requires it of every gate of its workflows.
  if (context.environments?.environments[parsed.data.environment]?.defaults.require_signin) {
    for (const step of parsed.data.steps) {
      if (step.type === 'approval' && step.require_signin === false) step.require_signin = true;
    }
  }
  const problems = checkWorkflow(parsed.data, source, context);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: parsed.data, source };
}

/** Everything under a project root: the directory, projects and workflows, and every problem. */
export interface Workspace {
  directory: Directory;
  projects: Projects;
  environments: Environments;
  workflows: { file: string; workflow: Workflow }[];
  /** `config/freezes.yaml`, or none when the file is absent. */
  freezes: Freezes;
  problems: Problem[];
}

/**
 * Loads `config/directory.yaml`, `config/projects.yaml` and the workflow files (all of
 * `workflows/*.yaml` unless `files` names some). Never throws for bad content.
 */
export function loadWorkspace(root: string, files?: string[]): Workspace {
  const problems: Problem[] = [];
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      problems.push({
        file: relative(root, path) || path,
        line: 1,
        column: 1,
        message: `cannot read: ${(error as Error).message}`,
      });
      return undefined;
    }
  };
  const rel = (path: string) => relative(root, path) || path;

  const dirPath = join(root, 'config', 'directory.yaml');
  const dirText = read(dirPath);
  const dirLoaded = dirText === undefined ? undefined : loadDirectory(dirText, rel(dirPath));
  if (dirLoaded && !dirLoaded.ok) problems.push(...dirLoaded.problems);
  const directory: Directory = dirLoaded?.ok ? dirLoaded.value : { users: [], teams: {} };

  const projPath = join(root, 'config', 'projects.yaml');
  const projText = read(projPath);
  const projLoaded = projText === undefined ? undefined : loadProjects(projText, rel(projPath));
  if (projLoaded && !projLoaded.ok) problems.push(...projLoaded.problems);
  const projects: Projects = projLoaded?.ok ? projLoaded.value : { projects: [] };

  // Optional: without it, every environment allows auto-approval.
  const envPath = join(root, 'config', 'environments.yaml');
  const envText = existsSync(envPath) ? read(envPath) : undefined;
  const envLoaded = envText === undefined ? undefined : loadEnvironments(envText, rel(envPath));
  if (envLoaded && !envLoaded.ok) problems.push(...envLoaded.problems);
  const environments: Environments = envLoaded?.ok ? envLoaded.value : { environments: {} };

  const workflowFiles = files ?? listWorkflowFiles(join(root, 'workflows'));
  const workflows: Workspace['workflows'] = [];
  const names = new Map<string, string>();
  const sources = new Map<string, YamlSource>();
  for (const path of workflowFiles) {
    const text = read(path);
    if (text === undefined) continue;
    const file = rel(path);
    const loaded = loadWorkflow(text, file, { directory, projects, environments });
    if (!loaded.ok) {
      problems.push(...loaded.problems);
      continue;
    }
    const { name } = loaded.value;
    const other = names.get(name);
    if (other) {
      problems.push(loaded.source.problem(['name'], `name: "${name}" is already used by ${other}`));
      continue;
    }
    if (basename(path).replace(/\.ya?ml$/, '') !== name) {
      problems.push(
        loaded.source.problem(['name'], `name: "${name}" must match the file name (${basename(path)})`),
      );
      continue;
    }
    names.set(name, file);
    workflows.push({ file, workflow: loaded.value });
    sources.set(name, loaded.source);
  }
  // A fix-up workflow whose file has problems of its own, or that is not among the files named,
  // is not reported again here: it is checked when it loads.
  const present = files ? undefined : workflowFiles.map((f) => basename(f).replace(/\.ya?ml$/, ''));
  const known = present && new Set(present);
  for (const { workflow } of workflows) {
    const source = sources.get(workflow.name);
    if (source) problems.push(...checkFixUps(workflow, workflows, source, known));
  }
  const freezes = loadFreezesFile(root, read, problems, environments, workflows);
  return { directory, projects, environments, workflows, freezes, problems };
}

/**
 * Optional `config/freezes.yaml`, checked against the workflows: a freeze naming a workflow or
 * an environment that none has would silently freeze nothing.
 */
function loadFreezesFile(
  root: string,
  read: (path: string) => string | undefined,
  problems: Problem[],
  environments: Environments,
  workflows: Workspace['workflows'],
): Freezes {
  const path = join(root, 'config', 'freezes.yaml');
  const text = existsSync(path) ? read(path) : undefined;
  if (text === undefined) return { freezes: [] };
  const loaded = loadFreezes(text, relative(root, path) || path);
  if (!loaded.ok) {
    problems.push(...loaded.problems);
    return { freezes: [] };
  }
  const names = new Set(workflows.map((w) => w.workflow.name));
  const envs = new Set([
    ...workflows.map((w) => w.workflow.environment),
    ...Object.keys(environments.environments),
  ]);
  loaded.value.freezes.forEach((f, i) => {
    f.workflows.forEach((name, j) => {
      if (!names.has(name))
        problems.push(
          loaded.source.problem(
            ['freezes', i, 'workflows', j],
            `freezes[${i}].workflows[${j}]: no workflow is named "${name}"`,
          ),
        );
    });
    f.environments.forEach((env, j) => {
      if (!envs.has(env))
        problems.push(
          loaded.source.problem(
            ['freezes', i, 'environments', j],
            `freezes[${i}].environments[${j}]: no workflow has environment "${env}" (known: ${[...envs].sort().join(', ')})`,
          ),
        );
    });
  });
  return loaded.value;
}

/** The workflow files in a folder, sorted. */
export function listWorkflowFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Reads and validates a directory file for the handlers; throws one error listing every problem. */
export function loadDirectoryFile(path: string): Directory {
  const loaded = loadDirectory(readFileSync(path, 'utf8'), path);
  if (!loaded.ok) throw new Error(`invalid directory:\n${loaded.problems.map(formatProblem).join('\n')}`);
  return loaded.value;
}

/** Reads and validates a projects file; throws one error listing every problem. */
export function loadProjectsFile(path: string): Projects {
  const loaded = loadProjects(readFileSync(path, 'utf8'), path);
  if (!loaded.ok) throw new Error(`invalid projects:\n${loaded.problems.map(formatProblem).join('\n')}`);
  return loaded.value;
}
