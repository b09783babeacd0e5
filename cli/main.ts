import { parseArgs } from 'node:util';
import { freezeWindows } from '../functions/core/freeze/freeze-windows.ts';
import { formatProblem, loadWorkspace } from '../statemachines/load.ts';
import { formatInZone, nextRunTimes, parseCron } from '../statemachines/schedule.ts';
import { directorySyncCommand } from './directory-commands.ts';
import { freezeAddCommand, freezeEndCommand, freezeListCommand } from './freeze-commands.ts';
import { graphMermaid, graphText } from './graph.ts';
import { locksCommand, unlockCommand } from './lock-commands.ts';
import { auditCommand, auditVerifyCommand, runCommand, runsCommand, voteCommand } from './run-commands.ts';
import { localSecretCommand, tokenCreateCommand } from './token-command.ts';
import { CliError, compiled, findRoot } from './workspace.ts';

const HELP = `signoff: human approval gates for infrastructure deployments

Usage: signoff <command> [options]

Workflow language
  validate [FILE...]            check config/ and the workflows (all of workflows/*.yaml by default);
                                prints every problem as file:line:column and exits 1 if there is any
  compile WORKFLOW              print the Amazon States Language definition of a workflow (name or file)
  graph WORKFLOW [--mermaid]    print the workflow's states and transitions as text, or as a Mermaid flowchart

Runs and approvals (talk to the local runtime's API, or --endpoint URL)
  run WORKFLOW [--reason TEXT] [--ref BRANCH | --sha COMMIT] [--follow]
                                start a run (manual trigger) of the default branch's head, or of
                                the given branch, tag or commit; --follow shows it step by step
  runs [--workflow W] [--waiting] [--json]
                                list runs, newest first; --waiting: runs waiting for approval; the
                                PROJECT LOCK column says which project locks a run holds or waits for
  locks [--json]                every project a workflow locks, and the run holding it
  unlock PROJECT --reason TEXT  force-release a project's lock (admins only; audited with the reason)
  freeze list [--json]          change freezes in effect and those starting within two weeks
  freeze add --reason TEXT [--env ENV]... [--workflow W]... [--for 4h] [--fail]
                                freeze changes now (admins only; audited): covered applies wait until
                                it ends (--fail: they fail); neither --env nor --workflow covers every
                                workflow; without --for it lasts until ended
  freeze end ID                 end an ad-hoc freeze (admins only; audited); held applies go on
  directory sync [--json]       every person's last sign-in through the identity provider: role, IdP
                                teams, when, and STALE once older than identity_max_age (admins only).
                                A removal from a group at the IdP shows at the person's next sign-in
  directory sync --revoke EMAIL
                                revoke a person's sign-in record now and end their sessions (admins
                                only; audited): no IdP teams or IdP role until they sign in again
  approve RUN [--comment TEXT] [--gate STEP]
  reject RUN [--comment TEXT] [--gate STEP]
                                vote on the run's pending approval gate
  audit [--workflow W] [--actor EMAIL] [--run RUN] [--action A] [--from DATE] [--to DATE]
        [--format table|csv|json] [--limit N]
                                the audit trail, newest first (dates in UTC; --to takes in the whole day)
  audit verify [--run RUN]      check every run's audit hash chain; exit 1 if anything was changed or removed
  token create --user EMAIL [--label TEXT] [--table AUTH_TABLE --region R]
                                make an API token for a directory user (prints it once)
  secret NAME                   print one of the local runtime's generated secrets (.signoff/secrets.json),
                                e.g. github-webhook-secret or webhook-WORKFLOW, to paste into GitHub or a CI system

Options
  --as EMAIL                    act as this directory user with the local runtime's token (.signoff/tokens.json).
                                Without it, against the local runtime: runs, locks and audit read as the
                                directory's viewer; approve/reject vote as the only approver left to vote,
                                or name who may
  --token TOKEN                 an API token (or SIGNOFF_TOKEN)
  --endpoint URL                the API (or SIGNOFF_ENDPOINT); default: the local runtime
  -h, --help                    this help

Examples
  npx signoff run production-deploy-with-approval --as jane@acme.com --follow
  npx signoff approve RUN --as alice@acme.com --comment "looks good"
  npx signoff audit --workflow production-deploy-with-approval --format csv
  npx signoff validate
  npx signoff compile production-deploy-with-approval > asl.json
  npx signoff graph production-deploy-with-escalation --mermaid
  npx signoff freeze add --reason "incident 4711" --env production --as alice@acme.com
`;

const DIRECTORY_HELP = `Usage: signoff directory sync [--json] [--as EMAIL | --token TOKEN] [--endpoint URL]
       signoff directory sync --revoke EMAIL [--json] [--as EMAIL | --token TOKEN] [--endpoint URL]

Admins only. Lists every person who has signed in through the identity provider: the role and the
teams the directory's IdP group mappings give them now, from the groups of their last sign-in, and
STALE once that sign-in is older than identity_max_age (see the README on what that means for a
vote). signoff keeps no refresh tokens, so it cannot see that someone left a group at
the IdP between sign-ins: that shows at their next sign-in.

  --revoke EMAIL   revoke the person's record at once and end every session of theirs: no IdP teams
                   and no IdP role until they sign in again (a role the directory file gives stays).
                   Audited as identity_revoked; revoking a revoked record changes nothing
  --json           print the API's answer as JSON
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
      case 'run': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            ...API_OPTIONS,
            reason: { type: 'string' },
            ref: { type: 'string' },
            sha: { type: 'string' },
            follow: { type: 'boolean', default: false },
          },
        });
        return await runCommand(
          {
            ...api(values),
            workflow: requireOne(positionals, 'run WORKFLOW [--follow]'),
            reason: values.reason,
            ref: values.ref,
            sha: values.sha,
            follow: values.follow ?? false,
          },
          print,
        );
      }
      case 'runs': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...API_OPTIONS,
            workflow: { type: 'string' },
            waiting: { type: 'boolean', default: false },
            json: { type: 'boolean', default: false },
          },
        });
        return await runsCommand(
          {
            ...api(values),
            workflow: values.workflow,
            waiting: values.waiting ?? false,
            json: values.json ?? false,
          },
          print,
        );
      }
      case 'locks': {
        const { values } = parseArgs({
          args: rest,
          options: { ...API_OPTIONS, json: { type: 'boolean', default: false } },
        });
        return await locksCommand({ ...api(values), json: values.json ?? false }, print);
      }
      case 'unlock': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...API_OPTIONS, reason: { type: 'string' } },
        });
        const project = requireOne(positionals, 'unlock PROJECT --reason TEXT');
        return await unlockCommand({ ...api(values), project, reason: values.reason }, print);
      }
      case 'freeze': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            ...API_OPTIONS,
            json: { type: 'boolean', default: false },
            reason: { type: 'string' },
            env: { type: 'string', multiple: true },
            workflow: { type: 'string', multiple: true },
            for: { type: 'string' },
            fail: { type: 'boolean', default: false },
          },
        });
        const [sub, ...args] = positionals;
        if (sub === 'list' && args.length === 0)
          return await freezeListCommand({ ...api(values), json: values.json ?? false }, print);
        if (sub === 'add' && args.length === 0)
          return await freezeAddCommand(
            {
              ...api(values),
              reason: values.reason,
              environments: values.env ?? [],
              workflows: values.workflow ?? [],
              duration: values.for,
              fail: values.fail ?? false,
            },
            print,
          );
        if (sub === 'end' && args.length === 1)
          return await freezeEndCommand({ ...api(values), id: args[0] as string }, print);
        throw new CliError('usage: signoff freeze list | freeze add --reason TEXT [...] | freeze end ID', 2);
      }
      case 'directory': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            ...API_OPTIONS,
            json: { type: 'boolean', default: false },
            revoke: { type: 'string' },
            help: { type: 'boolean', short: 'h', default: false },
          },
        });
        if (values.help) {
          process.stdout.write(DIRECTORY_HELP);
          return 0;
        }
        if (positionals.length !== 1 || positionals[0] !== 'sync')
          throw new CliError('usage: signoff directory sync [--json] | directory sync --revoke EMAIL', 2);
        if (values.revoke !== undefined && !values.revoke.trim())
          throw new CliError('--revoke needs the EMAIL of the person whose sign-in record to revoke', 2);
        return await directorySyncCommand(
          { ...api(values), json: values.json ?? false, revoke: values.revoke },
          print,
        );
      }
      case 'approve':
      case 'reject': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...API_OPTIONS, comment: { type: 'string' }, gate: { type: 'string' } },
        });
        const runId = requireOne(positionals, `${command} RUN [--comment TEXT]`);
        return await voteCommand(
          { ...api(values), runId, decision: command, comment: values.comment, gate: values.gate },
          print,
        );
      }
      case 'audit': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            ...API_OPTIONS,
            workflow: { type: 'string' },
            actor: { type: 'string' },
            run: { type: 'string' },
            action: { type: 'string' },
            from: { type: 'string' },
            to: { type: 'string' },
            format: { type: 'string', default: 'table' },
            limit: { type: 'string' },
          },
        });
        if (positionals[0] === 'verify')
          return await auditVerifyCommand({ ...api(values), run: values.run }, print);
        if (positionals.length > 0)
          throw new CliError(`unknown audit subcommand "${positionals[0]}"; try signoff audit verify`, 2);
        const limit = values.limit === undefined ? undefined : Number(values.limit);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 500))
          throw new CliError('--limit is a number from 1 to 500', 2);
        return await auditCommand(
          {
            ...api(values),
            workflow: values.workflow,
            actor: values.actor,
            run: values.run,
            action: values.action,
            from: values.from,
            to: values.to,
            format: values.format ?? 'table',
            limit,
          },
          print,
        );
      }
      case 'token': {
        const { positionals, values } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            user: { type: 'string' },
            label: { type: 'string' },
            table: { type: 'string' },
            region: { type: 'string' },
          },
        });
        if (positionals[0] !== 'create' || !values.user)
          throw new CliError('usage: signoff token create --user EMAIL', 2);
        return await tokenCreateCommand(
          { user: values.user, label: values.label, table: values.table, region: values.region },
          print,
        );
      }
      case 'secret': {
        const { positionals } = parseArgs({ args: rest, allowPositionals: true });
        return localSecretCommand(requireOne(positionals, 'secret NAME'), print);
      }
      default:
        throw new CliError(`unknown command "${command}"; run signoff --help`, 2);
    }
  } catch (error) {
    if (error instanceof CliError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`signoff: ${(error as Error).message}\n`);
      return error instanceof CliError ? error.code : 2;
    }
    throw error;
  }
}

const API_OPTIONS = {
  as: { type: 'string' },
  token: { type: 'string' },
  endpoint: { type: 'string' },
} as const;

function api(values: { as?: string; token?: string; endpoint?: string }) {
  return { as: values.as, token: values.token, endpoint: values.endpoint };
}

const print = (text: string) => process.stdout.write(`${text}\n`);

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
    const schedule = workflow.triggers.schedule;
    if (schedule) {
      const next = nextRunTimes(parseCron(schedule.cron), schedule.timezone, Date.now(), 3);
      process.stdout.write(
        `    schedule "${schedule.cron}" (${schedule.timezone}), next: ${next.map((t) => formatInZone(t, schedule.timezone)).join(', ')}\n`,
      );
    }
  }
  process.stdout.write(`${workspace.workflows.length} workflow(s) valid\n`);
  const { freezes } = workspace.freezes;
  if (freezes.length > 0) {
    // What each freeze means now: in effect until when, or when it next starts (within a year).
    const now = Date.now();
    for (const freeze of freezes) {
      const [window] = freezeWindows([freeze], [], now, now + 366 * 86_400_000);
      const when = !window
        ? 'not in effect within a year'
        : window.start <= now
          ? `in effect until ${formatInZone(new Date(window.end ?? now), freeze.timezone)}`
          : `next ${formatInZone(new Date(window.start), freeze.timezone)} to ${formatInZone(new Date(window.end ?? now), freeze.timezone)}`;
      process.stdout.write(`ok  freeze ${freeze.name}: ${when}\n`);
    }
  }
  return 0;
}
