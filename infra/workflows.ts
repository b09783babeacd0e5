/**
 * The workflows as the stack sees them at synth time: loaded from the project root, compiled
 * to ASL, with what each one needs (placeholders, IaC projects, secrets). Bad workflows stop
 * the synth with every problem as `file:line:column: message`.
 */
import {
  type AslDefinition,
  type CompileOptions,
  compileWorkflow,
  placeholdersOf,
} from '../statemachines/compile.ts';
import { PLACEHOLDER } from '../statemachines/contract.ts';
import type { Freezes } from '../statemachines/freezes.ts';
import { formatProblem, loadWorkspace } from '../statemachines/load.ts';
import type { Directory, Project, Workflow } from '../statemachines/schema.ts';

/** One workflow and its compiled state machine definition. */
export interface CompiledWorkflow {
  file: string;
  workflow: Workflow;
  definition: AslDefinition;
  /** The `${Name}` placeholders the definition references, sorted. */
  placeholders: string[];
}

/** What the stack builds from the workspace. */
export interface SynthWorkspace {
  workflows: CompiledWorkflow[];
  /** Who is who: the functions read it, validated, from the deployed config. */
  directory: Directory;
  /** `config/freezes.yaml`: the functions read it, validated, from the deployed config. */
  freezes: Freezes;
  projects: Project[];
  /** Secret names (without the prefix) the handlers read for workflows: webhook triggers and http steps. */
  workflowSecrets: { webhook: string[]; http: string[] };
  /** GitHub repositories named by the workflows' triggers. */
  githubRepos: string[];
}

/** Thrown when a workflow, the directory or the projects file has problems. */
export class WorkflowProblemsError extends Error {
  override name = 'WorkflowProblemsError';
  constructor(readonly problems: string[]) {
    super(
      `signoff cannot synthesize: the workflows have ${problems.length} problem(s):\n${problems.join('\n')}`,
    );
  }
}

/** The secret a workflow's webhook trigger is verified with (without the prefix). */
export function webhookSecretName(workflow: Workflow): string | undefined {
  const webhook = workflow.triggers.webhook;
  if (!webhook) return undefined;
  return webhook.secret ?? `webhook-${workflow.name}`;
}

/** Loads and compiles every workflow under `root`; throws WorkflowProblemsError listing every problem. */
export function compileWorkspace(root: string, options: CompileOptions = {}): SynthWorkspace {
  const workspace = loadWorkspace(root);
  const problems = workspace.problems.map(formatProblem);
  if (workspace.workflows.length === 0 && problems.length === 0) {
    problems.push('workflows/: no workflow files (*.yaml); signoff needs at least one');
  }
  if (problems.length > 0) throw new WorkflowProblemsError(problems);
  const workflows = workspace.workflows.map(({ file, workflow }) => {
    const definition = compileWorkflow(workflow, options);
    return { file, workflow, definition, placeholders: placeholdersOf(definition) };
  });
  const sorted = (values: (string | undefined)[]) =>
    [...new Set(values.filter((v): v is string => v !== undefined))].sort();
  return {
    workflows,
    directory: workspace.directory,
    freezes: workspace.freezes,
    projects: workspace.projects.projects,
    workflowSecrets: {
      webhook: sorted(workflows.map((w) => webhookSecretName(w.workflow))),
      http: sorted(
        workflows.flatMap((w) => w.workflow.steps.map((s) => (s.type === 'http' ? s.secret : undefined))),
      ),
    },
    githubRepos: sorted(workflows.map((w) => w.workflow.triggers.github?.repository)),
  };
}

/** The placeholder that names an IaC project's plan or apply CodeBuild project, for every project. */
export function buildProjectPlaceholders(
  projects: Project[],
): Map<string, { project: Project; action: 'plan' | 'apply' }> {
  return new Map(
    projects.flatMap((project) =>
      (['plan', 'apply'] as const).map(
        (action) => [PLACEHOLDER.buildProject(project.name, action), { project, action }] as const,
      ),
    ),
  );
}

/** The workflows drift checks start as fix-ups (`fix_with`), sorted, each once. */
export function fixUpWorkflows(workflows: Workflow[]): string[] {
  const names = workflows.flatMap((w) =>
    w.steps.flatMap((s) => (s.type === 'iac' && s.fix_with ? [s.fix_with] : [])),
  );
  return [...new Set(names)].sort();
}
