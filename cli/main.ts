import { parseArgs } from 'node:util';
import { formatProblem, loadWorkspace } from '../statemachines/load.ts';
import { graphMermaid, graphText } from './graph.ts';
import { CliError, compiled, findRoot } from './workspace.ts';

const HELP = `signoff: human approval gates for infrastructure deployments

Usage: signoff <command> [options]

Workflow language
  validate [FILE...]            check config/ and the workflows (all of workflows/*.yaml by default);
                                prints every problem as file:line:column and exits 1 if there is any
  compile WORKFLOW              print the Amazon States Language definition of a workflow (name or file)
  graph WORKFLOW [--mermaid]    print the workflow's states and transitions as text, or as a Mermaid flowchart

Options
  -h, --help                    this help

Examples
  npx signoff validate
  npx signoff compile production-deploy-with-approval > asl.json
  npx signoff graph production-deploy-with-escalation --mermaid
`;

/** Runs the CLI with its arguments; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      case 'validate':
        return validate(rest);
      case 'compile': {
        const { positionals } = parseArgs({ args: rest, allowPositionals: true });
        const name = requireOne(positionals, 'compile WORKFLOW');
        process.stdout.write(`${JSON.stringify(compiled(name).definition, null, 2)}\n`);
        return 0;
      }
      case 'graph': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { mermaid: { type: 'boolean', default: false } },
        });
        const name = requireOne(positionals, 'graph WORKFLOW [--mermaid]');
        const { workflow, definition } = compiled(name);
        process.stdout.write(
          `${values.mermaid ? graphMermaid(definition) : graphText(workflow.name, definition)}\n`,
        );
        return 0;
      }
      default:
        throw new CliError(`unknown command "${command}"; run signoff --help`, 2);
    }
  } catch (error) {
    if (error instanceof CliError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`signoff: ${(error as Error).message}\n`);
      return error instanceof CliError ? error.code : 2;
    }
    throw error;
  }
}

function requireOne(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new CliError(`usage: signoff ${usage}`, 2);
  return positionals[0] as string;
}

function validate(args: string[]): number {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  const root = findRoot();
  const workspace = loadWorkspace(root, positionals.length > 0 ? positionals : undefined);
  if (workspace.problems.length > 0) {
    for (const p of workspace.problems) process.stderr.write(`${formatProblem(p)}\n`);
    const n = workspace.problems.length;
    process.stderr.write(`\n${n} problem${n === 1 ? '' : 's'} found\n`);
    return 1;
  }
  for (const { file, workflow } of workspace.workflows) {
    const gates = workflow.steps.filter((s) => s.type === 'approval').length;
    process.stdout.write(
      `ok  ${file}  (${workflow.steps.length} steps, ${gates} approval gate${gates === 1 ? '' : 's'})\n`,
    );
  }
  process.stdout.write(`${workspace.workflows.length} workflow(s) valid\n`);
  return 0;
}
