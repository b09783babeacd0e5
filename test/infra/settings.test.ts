import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings, placeholderDomain, settingsFromContext } from '../../infra/settings.ts';
import { projectRoot } from '../support/examples.ts';

const context = { projects: ['example-site', 'example-database'], workflowRepos: ['acme/infrastructure'] };

describe('settingsFromContext', () => {
  it('picks the signoff: keys of the CDK context and drops empty values', () => {
    expect(
      settingsFromContext({
        'signoff:emailFrom': 'a@acme.com',
        'signoff:slackChannel': '',
        '@aws-cdk/core:newStyleStackSynthesis': true,
      }),
    ).toEqual({ emailFrom: 'a@acme.com' });
  });
});

describe('parseSettings', () => {
  it('fills the defaults around the one required setting', () => {
    expect(parseSettings({ emailFrom: 'signoff@acme.com' }, context)).toEqual({
      name: 'signoff',
      emailFrom: 'signoff@acme.com',
      githubRepos: ['acme/infrastructure'],
      artifactRetentionDays: 90,
      auditRetentionDays: 365,
      auditCheckpointMinutes: 5,
      applyRoleArns: {},
      planRoleArns: {},
      stateBackends: {},
      buildImages: {},
      deprecations: [],
      timeoutAlarmPercent: 25,
      failedRunsAlarmThreshold: 3,
      emailSignin: true,
    });
  });

  it('reads -c strings: comma lists, JSON maps, numbers and a #channel', () => {
    const settings = parseSettings(
      {
        emailFrom: 'signoff@acme.com',
        slackChannel: '#deploys',
        githubRepos: 'acme/infrastructure, acme/network',
        artifactRetentionDays: '14',
        auditRetentionDays: '2555',
        auditCheckpointMinutes: '15',
        applyRoleArns: '{"example-site":"arn:aws:iam::123456789012:role/site-deployer"}',
        planRoleArns: '{"example-site":"arn:aws:iam::123456789012:role/site-reader"}',
        stateBackends: '{"example-site":"acme-tf-state/site"}',
        publicUrl: 'https://signoff.acme.com/',
        githubApiUrl: 'https://github.acme.com/api/v3/',
      },
      context,
    );
    expect(settings.slackChannel).toBe('deploys');
    expect(settings.githubApiUrl).toBe('https://github.acme.com/api/v3');
    expect(settings.githubRepos).toEqual(['acme/infrastructure', 'acme/network']);
    expect(settings.artifactRetentionDays).toBe(14);
    expect(settings.auditRetentionDays).toBe(2555);
    expect(settings.auditCheckpointMinutes).toBe(15);
    expect(settings.applyRoleArns).toEqual({
      'example-site': 'arn:aws:iam::123456789012:role/site-deployer',
    });
    expect(settings.planRoleArns).toEqual({ 'example-site': 'arn:aws:iam::123456789012:role/site-reader' });
    expect(settings.stateBackends).toEqual({ 'example-site': 'acme-tf-state/site' });
    expect(settings.deprecations).toEqual([]);
    expect(settings.publicUrl).toBe('https://signoff.acme.com');
  });

  it('lists every problem, each named by its context key', () => {
    let message = '';
    try {
      parseSettings(
        {
          emailFrom: 'not-an-address',
          artifactRetentionDays: 0,
          auditRetentionDays: 36501,
          auditCheckpointMinutes: 0.5,
          buildRoleArns: { 'example-site': 'admin', 'no-such-project': 'arn:aws:iam::123456789012:role/x' },
          publicUrl: 'http://insecure.example.com',
          githubApiUrl: 'github.acme.com',
          emailfrom: 'typo@acme.com',
        },
        context,
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^signoff settings are invalid:/);
    expect(message).toContain('signoff:emailFrom: must be an email address');
    expect(message).toContain('signoff:artifactRetentionDays: must be at least 1 day');
    expect(message).toContain('signoff:auditRetentionDays: must be at most 36500 days');
    expect(message).toContain('signoff:auditCheckpointMinutes: must be a whole number of minutes');
    expect(message).toContain('signoff:buildRoleArns.example-site: must be an IAM role ARN');
    expect(message).toContain('signoff:publicUrl: must be an https:// URL');
    expect(message).toContain('signoff:githubApiUrl: must be an https:// URL (GitHub Enterprise Server');
    expect(message).toContain('signoff:emailfrom: not a signoff setting');
  });

  it('reads the deprecated buildRoleArns as applyRoleArns, with a deprecation, never as a plan role', () => {
    const settings = parseSettings(
      {
        emailFrom: 'signoff@acme.com',
        buildRoleArns: { 'example-site': 'arn:aws:iam::123456789012:role/site-deployer' },
      },
      context,
    );
    expect(settings.applyRoleArns).toEqual({
      'example-site': 'arn:aws:iam::123456789012:role/site-deployer',
    });
    expect(settings.planRoleArns).toEqual({});
    expect(settings).not.toHaveProperty('buildRoleArns');
    expect(settings.deprecations).toEqual([
      expect.stringMatching(/signoff:buildRoleArns is deprecated.*applyRoleArns/),
    ]);
  });

  it('refuses a project named in both buildRoleArns and applyRoleArns, and a role for an unknown project', () => {
    expect(() =>
      parseSettings(
        {
          emailFrom: 'signoff@acme.com',
          buildRoleArns: { 'example-site': 'arn:aws:iam::123456789012:role/a' },
          applyRoleArns: { 'example-site': 'arn:aws:iam::123456789012:role/b' },
          planRoleArns: { 'no-such-project': 'arn:aws:iam::123456789012:role/c' },
        },
        context,
      ),
    ).toThrow(
      /planRoleArns\.no-such-project: no IaC project[\s\S]*buildRoleArns\.example-site: also set in signoff:applyRoleArns/,
    );
  });

  it('refuses a state backend that is not a bucket name with an optional key prefix', () => {
    for (const backend of ['s3://acme-state/prod', 'Acme_State', 'acme-state/prod/*']) {
      expect(() =>
        parseSettings({ emailFrom: 'signoff@acme.com', stateBackends: { 'example-site': backend } }, context),
      ).toThrow(
        'signoff:stateBackends.example-site: must be an S3 bucket name, optionally with a key prefix',
      );
    }
  });

  it('refuses build settings for a project config/projects.yaml does not have', () => {
    expect(() =>
      parseSettings(
        {
          emailFrom: 'signoff@acme.com',
          buildImages: { 'example-network': 'ghcr.io/acme/iac:1' },
        },
        context,
      ),
    ).toThrow(
      /signoff:buildImages\.example-network: no IaC project named "example-network" .*known: example-site, example-database/,
    );
  });

  it('refuses an allow-list of repositories that leaves out one a workflow is triggered by', () => {
    expect(() =>
      parseSettings({ emailFrom: 'signoff@acme.com', githubRepos: ['acme/other'] }, context),
    ).toThrow(/a workflow is triggered by acme\/infrastructure, which is not in the allowed list/);
  });

  it('refuses a placeholder sender, naming the setting and what to do', () => {
    const messageFor = (emailFrom: string) => {
      try {
        parseSettings({ emailFrom }, context);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(messageFor('signoff@example.com')).toBe(
      'signoff settings are invalid:\n' +
        '  - signoff:emailFrom: signoff@example.com is a placeholder: example.com is reserved for examples and tests (RFC 2606, RFC 6761), so it can never receive the SES verification email and no approval email would be sent; set it to an address at a domain you own, in the context of cdk.json ("signoff:emailFrom") or with -c signoff:emailFrom=signoff@yourcompany.com',
    );
    for (const address of [
      'deploys@EXAMPLE.ORG',
      'a@mail.example.net',
      'ops@corp.example',
      'ops@ci.test',
      'ops@nowhere.invalid',
      'ops@box.localhost',
    ]) {
      expect(messageFor(address), address).toContain(`signoff:emailFrom: ${address} is a placeholder`);
    }
    expect(messageFor('signoff@acme.com')).toBe('accepted');
    expect(messageFor('signoff@example-corp.com')).toBe('accepted');
    expect(messageFor('signoff@examples.com')).toBe('accepted');
  });

  it('says the sender is required when it is not set at all', () => {
    expect(() => parseSettings({}, context)).toThrow(
      'signoff:emailFrom: is required: the address approval emails come from, which SES verifies; set it to an address at a domain you own',
    );
  });
});

describe('parseSettings: signoff:oidc and signoff:emailSignin', () => {
  const okta = { issuer: 'https://acme.okta.com/oauth2/default', clientId: '0oa1b2c3d4' };

  it('takes the identity provider from a JSON object, keeps the issuer exactly as given, and turns emailed links off', () => {
    const settings = parseSettings(
      { emailFrom: 'signoff@acme.com', oidc: { ...okta, issuer: 'https://acme.okta.com/oauth2/default/' } },
      context,
    );
    // The discovery document's issuer must equal it, trailing slash and all.
    expect(settings.oidc).toEqual({ ...okta, issuer: 'https://acme.okta.com/oauth2/default/' });
    expect(settings.emailSignin).toBe(false);
  });

  it('reads -c strings: the object as JSON, emailSignin as true or false', () => {
    const settings = parseSettings(
      {
        emailFrom: 'signoff@acme.com',
        oidc: JSON.stringify({
          issuer: 'https://login.microsoftonline.com/8d3f1c2e-0000-4000-8000-000000000000/v2.0',
          clientId: 'b5c6d7e8-0000-4000-8000-000000000000',
          name: 'Microsoft',
          scopes: 'openid email profile',
          groupsClaim: 'roles',
          emailClaim: 'preferred_username',
          requireEmailVerified: false,
        }),
        emailSignin: 'true',
      },
      context,
    );
    expect(settings.oidc).toEqual({
      issuer: 'https://login.microsoftonline.com/8d3f1c2e-0000-4000-8000-000000000000/v2.0',
      clientId: 'b5c6d7e8-0000-4000-8000-000000000000',
      name: 'Microsoft',
      scopes: 'openid email profile',
      groupsClaim: 'roles',
      emailClaim: 'preferred_username',
      requireEmailVerified: false,
    });
    expect(settings.emailSignin).toBe(true);
    expect(parseSettings({ emailFrom: 'signoff@acme.com', emailSignin: false }, context).emailSignin).toBe(
      false,
    );
  });

  it('lists every problem of the object as signoff:oidc.KEY, and never takes the client secret', () => {
    let message = '';
    try {
      parseSettings(
        {
          emailFrom: 'signoff@acme.com',
          oidc: {
            issuer: 'http://acme.okta.com',
            clientSecret: 'do-not-put-me-here',
            scopes: 'email profile',
            groupsClaim: 'groups claim',
            requireEmailVerified: 'no',
            audience: 'x',
          },
          emailSignin: 'maybe',
        },
        context,
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n').slice(1)).toEqual([
      '  - signoff:oidc.issuer: must be an https:// URL, the issuer of your identity provider (such as https://acme.okta.com/oauth2/default)',
      '  - signoff:oidc.clientId: is required: the client id your identity provider gave signoff',
      '  - signoff:oidc.scopes: must include openid',
      '  - signoff:oidc.groupsClaim: must be a claim name (letters, digits, _ : . / -), such as groups',
      '  - signoff:oidc.requireEmailVerified: must be true or false',
      '  - signoff:oidc.clientSecret: the client secret is not a setting (cdk.json is no place for it): put it in the secret oidc-client-secret after the deploy',
      '  - signoff:oidc.audience: not an oidc setting (known: issuer, clientId, name, scopes, groupsClaim, emailClaim, requireEmailVerified)',
      '  - signoff:emailSignin: must be true or false',
    ]);
    expect(message).not.toContain('do-not-put-me-here');
  });

  it('refuses an issuer with a query or fragment, a missing issuer, and a value that is not an object', () => {
    const problems = (oidc: unknown) => {
      try {
        parseSettings({ emailFrom: 'signoff@acme.com', oidc }, context);
      } catch (error) {
        return (error as Error).message.split('\n').slice(1);
      }
      return [];
    };
    expect(problems({ ...okta, issuer: 'https://acme.okta.com/oauth2/default?x=1' })).toEqual([
      '  - signoff:oidc.issuer: must have no query or fragment (OpenID Connect Discovery 1.0, 3)',
    ]);
    expect(problems({ clientId: 'abc' })).toEqual([
      '  - signoff:oidc.issuer: is required: the issuer URL of your identity provider, such as https://acme.okta.com/oauth2/default',
    ]);
    expect(problems('https://acme.okta.com')).toEqual([
      expect.stringMatching(
        /^ {2}- signoff:oidc: must be a JSON object: \{"issuer": "https:\/\/\.\.\.", "clientId"/,
      ),
    ]);
  });
});

describe('placeholderDomain', () => {
  it('names the reserved domain or top-level domain an address is at', () => {
    expect(placeholderDomain('a@example.com')).toBe('example.com');
    expect(placeholderDomain('a@sub.example.org')).toBe('example.org');
    expect(placeholderDomain('a@localhost')).toBe('localhost');
    expect(placeholderDomain('a@host.test')).toBe('.test');
    expect(placeholderDomain('a@acme.com')).toBeUndefined();
    expect(placeholderDomain('a@notexample.com')).toBeUndefined();
  });
});

describe('cdk.json as shipped', () => {
  it("makes a fresh clone's synth stop and ask for a real sender", () => {
    const shipped = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const projects = {
      projects: ['example-site', 'example-database', 'example-site-staging', 'example-archive'],
      workflowRepos: [],
    };
    expect(() => parseSettings(settingsFromContext(shipped.context), projects)).toThrow(
      /signoff:emailFrom: .* is a placeholder: .*set it to an address at a domain you own/,
    );
  });
});
