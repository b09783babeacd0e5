/**
 * The web handler behind the local API Gateway on a random port, over dynalite, the SES emulator,
 * a recording workflow engine and a scripted run engine, with a settable clock.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { RecordingWorkflowEngine } from '../../../functions/adapters/recording-workflow-engine.ts';
import { SesEmailNotifier } from '../../../functions/adapters/ses-email-notifier.ts';
import { loadConfig } from '../../../functions/config.ts';
import { requestApproval } from '../../../functions/core/approval/request-approval.ts';
import type { RunEngine, RunRecord, StepRecord } from '../../../functions/core/ports.ts';
import { createWorkflowCatalog } from '../../../functions/core/runs/workflow-catalog.ts';
import { type AppDeps, createDeps } from '../../../functions/deps.ts';
import { handleWebRequest } from '../../../functions/web/handler.ts';
import { startGateway } from '../../../local/gateway.ts';
import type { RequestApprovalInput } from '../../../statemachines/contract.ts';
import { type Directory, type Workflow, workflowSchema } from '../../../statemachines/schema.ts';
import { createClock, DIRECTORY, type TestClock } from '../../support/approval-fixtures.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';
import { type SesEmulator, startSesEmulator } from '../email/ses-emulator.ts';
import { type SesSandbox, startSesSandbox } from '../email/ses-sandbox.ts';

/** The link-signing key of the tests. */
export const SIGNING_KEY = 'test-link-signing-key-0123456789abcdef';

/** The workflow the fixtures' runs belong to. */
export const WORKFLOW = workflowSchema.parse({
  name: 'production-deploy',
  environment: 'production',
  steps: [
    { id: 'plan', type: 'iac', project: 'aws-production-network', action: 'plan' },
    { id: 'approve', type: 'approval', approvers: ['team:platform-leads'], required: 2 },
    { id: 'apply', type: 'iac', project: 'aws-production-network', action: 'apply', plan_from: 'plan' },
  ],
});

/** A RunEngine whose history and status the test sets. */
export class ScriptedRunEngine implements RunEngine {
  history_: StepRecord[] = [];
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' = 'RUNNING';
  async start(_arn: string, runId: string) {
    return {
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:x:${runId}`,
      startedAt: new Date().toISOString(),
    };
  }
  async describe() {
    return { status: this.status };
  }
  async history() {
    return this.history_;
  }
  async stop() {}
}

/** Everything a web integration test uses. */
export interface WebHarness {
  url: string;
  deps: AppDeps;
  db: Dynalite;
  ses: SesEmulator;
  engine: RecordingWorkflowEngine;
  runEngine: ScriptedRunEngine;
  clock: TestClock;
  /** The SES sandbox in front of the emulator, when the harness was started with `verified`. */
  sandbox?: SesSandbox;
  /** Records the run and requests its gate (emails go out); returns the gate id. */
  openGate(input: RequestApprovalInput): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the harness; with `verified`, SES is in its sandbox and mails only those identities.
 * `directory` and `workflows` replace the fixtures' directory and the one production workflow.
 */
export async function startWebHarness(
  options: { verified?: string[]; directory?: Directory; workflows?: Workflow[] } = {},
): Promise<WebHarness> {
  const db = await startDynalite();
  const ses = await startSesEmulator();
  const sandbox = options.verified ? await startSesSandbox(ses.endpoint, options.verified) : undefined;
  const clock = createClock();
  const engine = new RecordingWorkflowEngine();
  const runEngine = new ScriptedRunEngine();
  let deps: AppDeps | undefined;
  const gateway = await startGateway({
    port: 0,
    handlers: { web: (event) => handleWebRequest(deps as AppDeps, event) },
  });
  const secrets = { get: async (name: string) => (name === 'link-signing-key' ? SIGNING_KEY : undefined) };
  const config = loadConfig({
    SIGNOFF_GATES_TABLE: db.tableNames.gates,
    SIGNOFF_AUDIT_TABLE: db.tableNames.audit,
    SIGNOFF_RUNS_TABLE: db.tableNames.runs,
    SIGNOFF_AUTH_TABLE: db.tableNames.auth,
    SIGNOFF_DYNAMODB_ENDPOINT: db.endpoint,
    SIGNOFF_SES_ENDPOINT: sandbox?.endpoint ?? ses.endpoint,
    SIGNOFF_ARTIFACTS_DIR: mkdtempSync(join(tmpdir(), 'signoff-web-artifacts-')),
    SIGNOFF_SCHEDULER: 'timer',
    SIGNOFF_LOCAL: '1',
    SIGNOFF_PUBLIC_URL: gateway.url,
    SIGNOFF_EMAIL_FROM: 'signoff@acme.com',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const quiet = { info() {}, warn() {}, error() {} };
  const email = new SesEmailNotifier({
    ses: sandbox?.client ?? ses.client,
    config,
    secrets,
    now: clock.now,
    log: quiet,
  });
  const built = createDeps(config, {
    directory: options.directory ?? DIRECTORY,
    engine,
    workflows: createWorkflowCatalog(options.workflows ?? [WORKFLOW], config.stateMachineArnPrefix),
    secrets,
    now: clock.now,
    logger: new Logger({ logLevel: 'SILENT' }),
    notifiers: [{ name: 'email', notifier: email }],
  });
  built.runEngine = runEngine;
  deps = built;
  return {
    url: gateway.url,
    deps: built,
    db,
    ses,
    engine,
    runEngine,
    clock,
    ...(sandbox ? { sandbox } : {}),
    async openGate(input) {
      const record: RunRecord = { ...input.run, execution_arn: `arn:x:${input.run.id}`, status: 'RUNNING' };
      await built.runs.create(record);
      return (await requestApproval(built, input)).gate.gate_id;
    },
    async stop() {
      built.stop();
      await gateway.close();
      await sandbox?.stop();
      await ses.stop();
      await db.stop();
    },
  };
}

/** Cookies from a response, as a Cookie header value. */
export function cookieHeader(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** The first `href`/link in an email text that points at `prefix`. */
export function linkIn(text: string, prefix: string): string {
  const match = text.match(new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\S+`));
  if (!match) throw new Error(`no link to ${prefix} in:\n${text}`);
  return match[0];
}

/** POSTs a urlencoded form like a browser on the same origin. */
export function postForm(url: string, form: Record<string, string>, cookie?: string, origin?: string) {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // What Chromium sends for a same-origin form post under Referrer-Policy: no-referrer.
      origin: origin ?? 'null',
      'sec-fetch-site': origin ? 'cross-site' : 'same-origin',
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
}

/** Signs in through the emailed magic link (sent, opened, confirmed) and returns the session cookie. */
export async function signInByEmail(h: Pick<WebHarness, 'url' | 'ses'>, email: string): Promise<string> {
  const before = (await h.ses.emails()).length;
  const sent = await postForm(`${h.url}/signin`, { email, next: '/runs' });
  if (sent.status !== 200) throw new Error(`sign-in for ${email} answered ${sent.status}`);
  const mail = (await h.ses.emails()).slice(before).find((m) => m.destination.to[0] === email);
  const confirm = await (await fetch(linkIn(mail?.body.text ?? '', `${h.url}/signin/`))).text();
  const token = confirm.match(/name="token" value="([^"]+)"/)?.[1] ?? '';
  const signedIn = await postForm(`${h.url}/signin`, { token, next: '/runs' });
  if (signedIn.status !== 303)
    throw new Error(`confirming the sign-in of ${email} answered ${signedIn.status}`);
  return cookieHeader(signedIn);
}
