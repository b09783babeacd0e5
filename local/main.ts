/**
 * `npm start`: the whole system on this machine, on loopback, with the example workflows.
 * Prints the URLs to open and one line per run step; Ctrl-C stops everything cleanly.
 */
import { readOidc } from '../functions/config.ts';
import { startRuntime } from './runtime.ts';
import { describeReload } from './workflow-reload.ts';

const port = Number(process.env.SIGNOFF_PORT ?? 3000);
const inboxPort = Number(process.env.SIGNOFF_INBOX_PORT ?? 8005);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`SIGNOFF_PORT must be a port number, not "${process.env.SIGNOFF_PORT}"`);
  process.exit(2);
}

console.log('signoff: starting the local runtime (DynamoDB, Step Functions, SES inbox, web)...');
let runtime: Awaited<ReturnType<typeof startRuntime>>;
try {
  runtime = await startRuntime({
    port,
    inboxPort,
    dataDir: process.env.SIGNOFF_DATA_DIR,
    // The local identity provider, unless SIGNOFF_OIDC_ISSUER names a real one.
    idp: readOidc((name) => process.env[name] || undefined) ?? 'dev',
    ...(process.env.SIGNOFF_IDP_PORT ? { idpPort: Number(process.env.SIGNOFF_IDP_PORT) } : {}),
    ...(process.env.SIGNOFF_EMAIL_SIGNIN ? { emailSignin: process.env.SIGNOFF_EMAIL_SIGNIN === 'true' } : {}),
    onWorkflowsReload: (reload) => {
      const time = new Date().toISOString().slice(11, 19);
      for (const line of describeReload(reload))
        (line.startsWith('workflow problem') ? console.error : console.log)(`${time}  ${line}`);
      if (reload.problems.length > 0) console.error(`${time}  see ${runtime.url}/workflows`);
    },
  });
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') {
    console.error(
      `signoff: a port is already in use (${e.message}). Set SIGNOFF_PORT / SIGNOFF_INBOX_PORT, or stop the other process.`,
    );
  } else {
    console.error(`signoff: could not start: ${e.message}`);
  }
  process.exit(1);
}

const { url, inboxUrl, workspace } = runtime;
// Ready means the health check answers. The time counts from the start of this process, so it
// includes loading the code (most of it), not only starting the emulators.
const health = await fetch(`${url}/api/health`).catch((error: Error) => error);
if (health instanceof Error || !health.ok) {
  console.error(
    `signoff: started, but ${url}/api/health does not answer: ${health instanceof Error ? health.message : health.status}`,
  );
  await runtime.stop();
  process.exit(1);
}
const seconds = process.uptime().toFixed(1);
console.log(`
signoff is running (ready in ${seconds} s). Everything listens on 127.0.0.1 only.

  Runs and approvals   ${url}/runs${
    runtime.idp
      ? `
  Sign-in (local IdP)  ${runtime.idp.issuer}  (pick a person; no passwords)`
      : ''
  }
  Audit log            ${url}/audit
  Email inbox (SES)    ${inboxUrl}
  Slack messages       ${url}/dev/slack
  Notifications sink   ${url}/dev/notifications
  API                  ${url}/api  (health: ${url}/api/health)

Workflows: ${workspace.workflows.map((w) => w.workflow.name).join(', ')}
           (${url}/workflows; files in workflows/ are reloaded when they change)
Data: ${runtime.dataDir} (delete it to start over)
Source: ${runtime.repository} (a git repository; runs build the commit at the head of main
        when they start: commit there to change what the example projects plan)

Try it:
  npx signoff run production-deploy-with-approval --as jane@acme.com --follow
  then open the approval email in the inbox and approve as a platform lead.

Ctrl-C stops.
`);

runtime.sfn.onEvent(({ executionArn, event }) => {
  const e = event as {
    type?: string;
    stateEnteredEventDetails?: { name?: string };
    executionFailedEventDetails?: { error?: string };
  };
  const run = executionArn
    .split(':')
    .slice(-2)
    .join('/')
    .replace(/^signoff-/, '');
  const time = new Date().toISOString().slice(11, 19);
  const state = e.stateEnteredEventDetails?.name;
  if (state && !/\.(summarize|build_failed)$|^Initialize$/.test(state))
    console.log(`${time}  ${run}  -> ${state}`);
  else if (e.type === 'ExecutionSucceeded') console.log(`${time}  ${run}  succeeded`);
  else if (e.type === 'ExecutionFailed')
    console.log(`${time}  ${run}  failed: ${e.executionFailedEventDetails?.error ?? ''}`);
  else if (e.type === 'ExecutionAborted') console.log(`${time}  ${run}  stopped`);
});

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\nsignoff: ${signal}, stopping...`);
  await runtime.stop();
  console.log('signoff: stopped. Runs waiting at a gate go on waiting from the next start.');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
