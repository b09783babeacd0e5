/**
 * The Lambda functions, one per handler folder under `functions/`, and what each one may do.
 * The stack turns `needs` into IAM statements; nothing gets a permission not listed here.
 */
import type { TableKey } from '../functions/adapters/tables.ts';
import type { HttpFunction } from '../functions/routes.ts';
import { PLACEHOLDER } from '../statemachines/contract.ts';
import type { SignoffSettings } from './settings.ts';

/** Every function's name (its folder under `functions/`). */
export type FunctionName =
  | 'request-approval'
  | 'record-timeout'
  | 'escalate'
  | 'resume-gate'
  | 'summarize-step'
  | 'notify'
  | 'run-ended'
  | 'audit-checkpoint'
  | HttpFunction;

/**
 * Access to one table: reads; `append` PutItem; `take` PutItem and DeleteItem (records put once and
 * used up by deleting them); `readwrite` PutItem and UpdateItem; `full` all three.
 */
export type TableAccess = 'read' | 'append' | 'update' | 'take' | 'readwrite' | 'full';

/** A secret the function reads, by name under the secrets prefix; the groups expand per workflow. */
export type SecretNeed =
  | 'slack-bot-token'
  | 'slack-signing-secret'
  | 'link-signing-key'
  | 'github-webhook-secret'
  | 'github-app-id'
  | 'github-app-private-key'
  | 'webhook-secrets'
  | 'http-step-secrets'
  | 'oidc-client-secret';

/** What a function needs, turned into IAM by the stack. */
export interface FunctionNeeds {
  /** The audit table is append-only: it can only be given `read` or `append`. */
  tables: Partial<Record<Exclude<TableKey, 'audit'>, Exclude<TableAccess, 'append'>>> & {
    audit?: Extract<TableAccess, 'read' | 'append'>;
  };
  secrets: SecretNeed[];
  /** states:SendTaskSuccess/SendTaskFailure on this stack's state machines (closing gates). */
  taskTokens?: boolean;
  /** Step Functions execution calls on this stack's state machines. */
  executions?: {
    start?: boolean;
    /** DescribeExecution: a run's status (run pages, closing gates of runs that ended). */
    describe?: boolean;
    /** GetExecutionHistory: a run's steps (run pages). */
    history?: boolean;
    stop?: boolean;
  };
  /**
   * states:StartExecution on the state machines of the workflows that drift checks name as their
   * fix-up (`fix_with`), and on no other.
   */
  startsFixUpRuns?: boolean;
  /** scheduler:CreateSchedule in the stack's group, and passing the scheduler role. */
  schedulesEscalations?: boolean;
  /** ses:SendEmail from the sender identity. */
  sendsEmail?: boolean;
  artifacts?: 'read' | 'readwrite';
  /** The audit archive (S3 Object Lock): `write` puts checkpoints, `read` lists and reads every version. */
  auditArchive?: 'read' | 'write';
}

/** One Lambda function. */
export interface FunctionSpec {
  name: FunctionName;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  needs: FunctionNeeds;
  /** Files the handler reads at run time from SIGNOFF_CONFIG_DIR besides `workflows/` and `config/`. */
  extraFiles?: readonly string[];
  /** Deployed only when this setting is set; otherwise the function, its role and its routes do not exist. */
  onlyWith?: 'oidc';
}

/** The handler module of a function, relative to the project root. */
export function entryOf(name: FunctionName): string {
  return `functions/${name}/handler.ts`;
}

// Anything that records or closes a gate audits it and may update its Slack messages. Only the
// request and the escalation email people (the other notifications are Slack's), and only the web
// pages and summarize-step read run artifacts: the gate item carries what the messages show.
const GATE_WRITER = { gates: 'readwrite', audit: 'append' } as const;
const NOTIFIER_SECRETS: SecretNeed[] = ['slack-bot-token', 'link-signing-key'];
// The functions that move a run report it to GitHub as the GitHub App: its id and private key, and
// the runs table, where each run's report (check run and comment ids, what is owed) sits beside it.
const GITHUB_APP_SECRETS: SecretNeed[] = ['github-app-id', 'github-app-private-key'];
// API Gateway gives an HTTP integration at most 30 s.
const HTTP_TIMEOUT = 29;

/** Every function signoff deploys. */
export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'request-approval',
    description: 'Stores a gate and its task token, notifies the approvers, schedules escalations',
    memoryMb: 512,
    timeoutSeconds: 60,
    needs: {
      tables: { ...GATE_WRITER, runs: 'readwrite' },
      secrets: [...NOTIFIER_SECRETS, ...GITHUB_APP_SECRETS],
      // A retried request for a gate that already closed tells the engine again.
      taskTokens: true,
      schedulesEscalations: true,
      sendsEmail: true,
    },
  },
  {
    name: 'record-timeout',
    description: "Closes a gate as timed out after the task's States.Timeout and audits it",
    memoryMb: 256,
    timeoutSeconds: 60,
    needs: {
      tables: { ...GATE_WRITER, runs: 'readwrite' },
      secrets: [...NOTIFIER_SECRETS, ...GITHUB_APP_SECRETS],
    },
  },
  {
    name: 'escalate',
    description: 'Adds the next escalation level of approvers to a pending gate (EventBridge Scheduler)',
    memoryMb: 256,
    timeoutSeconds: 60,
    needs: { tables: GATE_WRITER, secrets: NOTIFIER_SECRETS, sendsEmail: true },
  },
  {
    name: 'resume-gate',
    description:
      'Drains what counted votes still owe (audit events, notifications, engine calls) and closes gates whose run ended (every 5 minutes, or for one gate)',
    memoryMb: 256,
    timeoutSeconds: 300,
    needs: {
      // Draining a gate's outbox appends audit events and refreshes Slack messages (bot token), and
      // finishes engine calls; closing an orphaned gate records the run's end (runs) after asking
      // Step Functions (describe). Votes and the sweep report runs to GitHub.
      tables: { ...GATE_WRITER, runs: 'readwrite' },
      secrets: [...NOTIFIER_SECRETS, ...GITHUB_APP_SECRETS],
      taskTokens: true,
      executions: { describe: true },
    },
  },
  {
    name: 'summarize-step',
    description: "Reads an iac build's artifacts into the run data; fails the step on plan, policy or drift",
    memoryMb: 512,
    timeoutSeconds: 120,
    // A run started from a branch gets its commit from its first build: summarize-step records
    // it on the run (runs.pinCommit, an UpdateItem).
    needs: { tables: { audit: 'append', runs: 'update' }, secrets: [], artifacts: 'read' },
  },
  {
    name: 'notify',
    description: "Posts a run's summary for http steps (Slack incoming webhooks and others)",
    memoryMb: 256,
    timeoutSeconds: 60,
    needs: { tables: { audit: 'append' }, secrets: ['http-step-secrets'] },
  },
  {
    name: 'run-ended',
    description:
      "Records how each run ended (Step Functions status-change events) and audits it; takes and releases runs' project locks; checks change freezes before applies; records drift checks",
    memoryMb: 256,
    timeoutSeconds: 30,
    // A run that ended with a gate still pending (stopped by hand) cancels it before run_finished,
    // and updates its Slack messages. Project locks are items in the runs table; a run waiting for
    // one held by an older run of its workflow at a gate closes that gate as superseded. The run's
    // GitHub check follows its locks and its end.
    // Before each apply it reads the ad-hoc freezes (one item in the runs table) and moves a
    // frozen run's lock lease on.
    // After a drift check it records the project's drift status (items in the runs table) and on
    // drift starts the fix-up run of the workflow the check names.
    needs: {
      tables: { runs: 'readwrite', audit: 'append', gates: 'readwrite' },
      secrets: [...NOTIFIER_SECRETS, ...GITHUB_APP_SECRETS],
      startsFixUpRuns: true,
    },
  },
  {
    name: 'audit-checkpoint',
    description: "Anchors every run's audit chain in a checkpoint, with a locked copy in the audit archive",
    memoryMb: 256,
    timeoutSeconds: 120,
    // Reads the head log and the last checkpoint, puts the next one (PutItem), and its locked copy.
    needs: { tables: { audit: 'append' }, secrets: [], auditArchive: 'write' },
  },
  {
    name: 'api',
    description: 'JSON API: runs, gates and votes, the audit trail, change freezes',
    memoryMb: 512,
    timeoutSeconds: HTTP_TIMEOUT,
    needs: {
      tables: { gates: 'readwrite', audit: 'append', runs: 'readwrite', auth: 'read' },
      secrets: NOTIFIER_SECRETS,
      // No task tokens: its votes leave the engine call to the drainer (resume-gate).
      executions: { start: true, describe: true, history: true, stop: true },
      // `audit verify` compares the checkpoints with their locked copies.
      auditArchive: 'read',
    },
  },
  {
    name: 'web',
    description: 'Web pages: approval page from the email link, runs, audit, sign-in',
    memoryMb: 512,
    timeoutSeconds: HTTP_TIMEOUT,
    extraFiles: ['web/style.css', 'web/run-logs.js'],
    needs: {
      tables: { gates: 'readwrite', audit: 'append', runs: 'readwrite', auth: 'full' },
      secrets: NOTIFIER_SECRETS,
      // No task tokens: its votes leave the engine call to the drainer (resume-gate).
      executions: { describe: true, history: true },
      sendsEmail: true,
      artifacts: 'read',
    },
  },
  {
    name: 'signin',
    description:
      "Sign-in through the company's identity provider: sends the browser there, checks its answer, records the person's groups, starts a session",
    memoryMb: 512,
    timeoutSeconds: HTTP_TIMEOUT,
    // Only a deployment that signs people in through an identity provider holds its client secret.
    onlyWith: 'oidc',
    needs: {
      // The single-use sign-in state (PutItem if absent, then DeleteItem returning it), the
      // identity record (a conditional PutItem, read back on a conflict) and the session (PutItem
      // if absent): no UpdateItem. Every sign-in and refusal is audited.
      tables: { auth: 'take', audit: 'append' },
      secrets: ['oidc-client-secret'],
    },
  },
  {
    name: 'slack-interactions',
    description: 'Slack Approve/Reject buttons: verifies the signature, counts the vote',
    memoryMb: 512,
    timeoutSeconds: HTTP_TIMEOUT,
    needs: {
      // The vote and the gate's outbox only: the drainer (resume-gate) audits it, updates the
      // messages and tells the engine, so this function holds no audit or task-token grant.
      tables: { gates: 'readwrite' },
      secrets: ['slack-signing-secret', ...NOTIFIER_SECRETS],
    },
  },
  {
    name: 'github-webhook',
    description: 'GitHub pull_request merged: verifies the signature, starts the workflow',
    memoryMb: 256,
    timeoutSeconds: HTTP_TIMEOUT,
    needs: {
      tables: { runs: 'readwrite', audit: 'append' },
      secrets: ['github-webhook-secret'],
      executions: { start: true },
    },
  },
  {
    name: 'webhook',
    description: 'Generic signed webhook trigger for a workflow',
    memoryMb: 256,
    timeoutSeconds: HTTP_TIMEOUT,
    needs: {
      tables: { runs: 'readwrite', audit: 'append' },
      secrets: ['webhook-secrets'],
      executions: { start: true },
    },
  },
];

/**
 * The functions that read people's last sign-ins (identity records: GetItem of one, or a Query of
 * the auth table's `by_user` index for all) when the directory takes teams or roles from IdP
 * groups: who is asked (request-approval, escalate) and whether a Slack vote counts
 * (slack-interactions). Each gets `auth: 'read'` then, and only then; api, web and signin hold
 * the auth table anyway.
 */
export const IDENTITY_READERS: readonly FunctionName[] = [
  'request-approval',
  'escalate',
  'slack-interactions',
];

/** The functions a deployment with these settings has: those with `onlyWith` only when it is set. */
export function deployedFunctions(settings: Pick<SignoffSettings, 'oidc'>): FunctionSpec[] {
  return FUNCTIONS.filter((spec) => !spec.onlyWith || settings[spec.onlyWith] !== undefined);
}

/** The functions the compiled state machines invoke, by placeholder. */
export const STATE_MACHINE_FUNCTIONS: Readonly<Record<string, FunctionName>> = {
  [PLACEHOLDER.requestApproval]: 'request-approval',
  [PLACEHOLDER.recordTimeout]: 'record-timeout',
  [PLACEHOLDER.summarizeStep]: 'summarize-step',
  [PLACEHOLDER.notify]: 'notify',
  [PLACEHOLDER.runEnded]: 'run-ended',
};
