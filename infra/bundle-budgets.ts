/**
 * Each function's size budget, in KB of minified bundle (test/infra/bundle-budgets.test.ts checks
 * them; `npm run bench -- bundle` prints them beside the sizes). The aim is 350 KB for the Slack
 * handler, which answers a click inside Slack's 3 s cold starts included, and 500 KB for every
 * other function. For scale: the AWS SDK's DynamoDB, Step Functions and SES clients alone bundle
 * to 404 KB, and the DynamoDB and Secrets Manager clients with @slack/web-api and the Powertools
 * logger to 434 KB. A budget above the aim says why. The four functions that report runs to
 * GitHub (request-approval, record-timeout, resume-gate, run-ended) carry about 45 KB for it:
 * @octokit/auth-app with its dependencies (36 KB: it signs the app's JWT) and signoff's reporting
 * code (calls over `fetch`, rendering, the report store); no other function holds any of it.
 */
import type { FunctionName } from './functions.ts';

export const BUNDLE_BUDGETS_KB: Record<FunctionName, number> = {
  // DynamoDB, Secrets Manager and @slack/web-api (who clicked, ephemeral answers): 434 KB before
  // any of signoff's code. Still inside: the Slack notifier behind the Slack Web API port, and
  // castVote's inline drain, neither called here (about 20 KB).
  'slack-interactions': 520,
  // DynamoDB, Step Functions, Scheduler, Secrets Manager, SES, Slack and GitHub: every channel a request uses.
  'request-approval': 685,
  // Slack and GitHub: a timed-out gate shows on both.
  'record-timeout': 555,
  // DynamoDB, Secrets Manager, SES and Slack: an escalation emails and messages the next approvers.
  escalate: 590,
  // DynamoDB, Step Functions, Secrets Manager, Slack and GitHub: what votes owe, the engine calls, and
  // the owed GitHub reports.
  'resume-gate': 595,
  'summarize-step': 500,
  notify: 500,
  // The run's GitHub check follows its project locks and its end.
  'run-ended': 565,
  // DynamoDB and S3 (the Object Lock archive): the S3 client alone is about 125 KB.
  'audit-checkpoint': 525,
  // DynamoDB, Step Functions, S3 (the audit archive), Secrets Manager and the Slack notifier (a
  // run view that finds its run ended cancels the gate and updates its messages).
  api: 760,
  // The API's, plus S3 plans, CloudWatch Logs, SES sign-in emails and every page.
  web: 940,
  'github-webhook': 500,
  webhook: 500,
};
