/**
 * The Lambda deps of the functions that resolve approvers or check Slack votes carry people's
 * last sign-ins exactly when the deployed directory maps IdP groups, which is when the stack
 * grants them the auth table (infra/functions.ts, IDENTITY_READERS); without the mapping they
 * hold no store to call.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbIdentityStore } from '../../../functions/adapters/dynamodb-identity-store.ts';
import { type Config, loadConfig } from '../../../functions/config.ts';
import { createEscalateDeps } from '../../../functions/escalate/deps.ts';
import { createRequestApprovalDeps } from '../../../functions/request-approval/deps.ts';
import { createSlackFunctionDeps } from '../../../functions/slack-interactions/deps.ts';
import { slackInteractionDeps } from '../../../functions/slack-interactions/handler.ts';
import { DEPLOYED_CONFIG_FILE, type DeployedConfig } from '../../../functions/wiring/deployed-config.ts';
import { IDENTITY_READERS } from '../../../infra/functions.ts';
import type { Directory } from '../../../statemachines/schema.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const HAND_LISTED: Directory = {
  users: [{ email: 'jane@acme.com', name: 'Jane Doe', role: 'developer' }],
  teams: { leads: ['jane@acme.com'] },
};
const MAPS_IDP: Directory = {
  ...HAND_LISTED,
  teams: { ...HAND_LISTED.teams, 'platform-leads': [] },
  idp: { teams: { 'platform-leads': ['okta-platform-leads'] }, roles: {}, max_age_seconds: 604_800 },
};

/** A Lambda's config over a bundle root holding the deployed config with this directory. */
function lambdaConfig(directory: Directory): Config {
  const dir = mkdtempSync(join(tmpdir(), 'signoff-wiring-'));
  dirs.push(dir);
  const deployed: DeployedConfig = { directory, workflows: [] };
  writeFileSync(join(dir, DEPLOYED_CONFIG_FILE), JSON.stringify(deployed));
  return loadConfig({
    AWS_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_NAME: 'signoff-test',
    SIGNOFF_GATES_TABLE: 'gates',
    SIGNOFF_AUDIT_TABLE: 'audit',
    SIGNOFF_RUNS_TABLE: 'runs',
    SIGNOFF_AUTH_TABLE: 'auth',
    SIGNOFF_CONFIG_DIR: dir,
    SIGNOFF_SCHEDULER: 'eventbridge',
    SIGNOFF_ESCALATE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:signoff-escalate',
    SIGNOFF_SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/signoff-escalations',
  });
}

const builders = {
  'request-approval': createRequestApprovalDeps,
  escalate: createEscalateDeps,
  'slack-interactions': createSlackFunctionDeps,
} as const;

describe('the Lambda deps of the identity readers', () => {
  it('wire one for each function the stack may grant the auth table for this', () => {
    expect(Object.keys(builders).sort()).toEqual([...IDENTITY_READERS].sort());
  });

  it.each(Object.entries(builders))(
    '%s reads people’s last sign-ins from the auth table when the directory maps IdP groups',
    (_name, build) => {
      const deps = build(lambdaConfig(MAPS_IDP));
      expect(deps.identities).toBeInstanceOf(DynamoDbIdentityStore);
    },
  );

  it.each(Object.entries(builders))(
    '%s holds no identity store when the directory maps no IdP groups',
    (_name, build) => {
      const deps = build(lambdaConfig(HAND_LISTED));
      expect(deps).not.toHaveProperty('identities');
    },
  );

  it('hands the identity store on to the Slack vote, so an IdP person’s click is checked against their sign-in', () => {
    const app = createSlackFunctionDeps(lambdaConfig(MAPS_IDP));
    expect(slackInteractionDeps(app).identities).toBe(app.identities);
    const plain = createSlackFunctionDeps(lambdaConfig(HAND_LISTED));
    expect(slackInteractionDeps(plain)).not.toHaveProperty('identities');
  });
});
