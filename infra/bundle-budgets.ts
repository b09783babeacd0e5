/**
 * Each function's size budget, in KB of minified bundle (test/infra/bundle-budgets.test.ts checks
 * them; `npm run bench -- bundle` prints them beside the sizes): 350 KB for the Slack handler,
 * which answers a click inside Slack's 3 s cold starts included, and 500 KB for every other
 * function. For scale: the AWS SDK's DynamoDB, Step Functions and SES clients alone bundle to
 * about 300 KB with credentials from the Lambda environment. A budget above the aim says why. The
 * four functions that report runs to GitHub (request-approval, record-timeout, resume-gate,
 * run-ended) carry about 20 KB for it (the app's JWT is signed with node:crypto); no other
 * function holds any.
 */
import type { FunctionName } from './functions.ts';

export const BUNDLE_BUDGETS_KB: Record<FunctionName, number> = {
  'slack-interactions': 350,
  'request-approval': 500,
  'record-timeout': 500,
  escalate: 500,
  'resume-gate': 500,
  'summarize-step': 500,
  notify: 500,
  'run-ended': 500,
  'audit-checkpoint': 500,
  // DynamoDB, Step Functions, Secrets Manager and S3, the last for one route: the audit export's
  // verification against the locked archive. The S3 client is about 135 KB of the 587. Change
  // freezes (listing, starting, ending, and a run's frozen apply) add about 12 KB.
  api: 600,
  // Every page: DynamoDB, Step Functions, Secrets Manager, S3 (plans, the audit archive), SES
  // (sign-in links) and CloudWatch Logs (build logs). Under 500 KB it would take three functions,
  // and a person moving between pages would then meet three cold starts instead of one. Change
  // freezes on the runs, run and approval pages add about 12 KB.
  web: 780,
  // The identity-provider sign-in: openid-client (about 40 KB) lives here, apart from the pages,
  // and this function alone reads the client secret.
  signin: 500,
  'github-webhook': 500,
  webhook: 500,
};
