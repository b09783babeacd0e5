/**
 * The settings a platform team chooses when it deploys signoff, read from CDK context
 * (`cdk.json` or `-c signoff:KEY=VALUE`) and validated at synth with every problem listed.
 */
import { z } from 'zod';

/** Everything the stack needs from the user. */
export interface SignoffSettings {
  /** Names every resource: `<name>-` for functions and state machines, `<name>/` for secrets. */
  name: string;
  /** The SES-verified sender of approval emails. */
  emailFrom: string;
  /** Slack channel for gates that name none (without `#`), or undefined. */
  slackChannel?: string;
  /** GitHub repositories (`owner/name`) whose webhooks may start runs; empty means the ones the workflows name. */
  githubRepos: string[];
  /** Days before plans, logs and other run artifacts are deleted from the bucket. */
  artifactRetentionDays: number;
  /** Days each audit checkpoint stays locked (S3 Object Lock, compliance mode): nobody can delete it sooner. */
  auditRetentionDays: number;
  /** Minutes between audit checkpoints: the longest a deletion from the audit table goes unanchored. */
  auditCheckpointMinutes: number;
  /** IaC project -> IAM role ARN its apply builds run as (the role that can change infrastructure). */
  applyRoleArns: Record<string, string>;
  /**
   * IaC project -> IAM role ARN its plan builds run as; default: a role the stack makes with the
   * AWS managed ReadOnlyAccess policy. The plan runs before any approval: never a write role.
   */
  planRoleArns: Record<string, string>;
  /** IaC project -> its Terraform S3 state backend, `bucket` or `bucket/key-prefix` (for the plan's lock file). */
  stateBackends: Record<string, string>;
  /**
   * The repository builds check out the run's commit of; without it builds use the deploy-time
   * snapshot, and run pages say so.
   */
  source?: SourceSetting;
  /** What the settings use that will go away, one sentence each (the stack shows them as synth warnings). */
  deprecations: string[];
  /** IaC project -> CodeBuild image (a registry image such as `ghcr.io/acme/iac:1`). */
  buildImages: Record<string, string>;
  /** The URL people open, when a custom domain fronts the API; default: the API's own URL. */
  publicUrl?: string;
  /**
   * The GitHub REST API runs report to, for GitHub Enterprise Server (`https://HOST/api/v3`);
   * default: https://api.github.com.
   */
  githubApiUrl?: string;
  /** SNS topic the alarms notify; without it the alarms only show in CloudWatch. */
  alarmTopicArn?: string;
  /** Alarm when more than this percent of a day's approval requests time out. */
  timeoutAlarmPercent: number;
  /** Alarm when a state machine has at least this many failed executions in an hour. */
  failedRunsAlarmThreshold: number;
  /** Sign-in through the company's identity provider (OpenID Connect); without it, no signin function is deployed. */
  oidc?: OidcSetting;
  /** Whether people may ask for an emailed sign-in link; default: only without `oidc`. */
  emailSignin: boolean;
}

/**
 * The identity provider signoff signs people in with. Its client secret is not a setting: it goes
 * in the `oidc-client-secret` secret after the deploy. What is left out takes the runtime's
 * default (functions/config.ts).
 */
export interface OidcSetting {
  /** The issuer exactly as the provider's discovery document names it (a trailing slash matters). */
  issuer: string;
  clientId: string;
  /** Shown on the sign-in button; default: the issuer's host name. */
  name?: string;
  /** Space-separated; default `openid email profile groups`. */
  scopes?: string;
  /** The ID token claim with the person's groups; default `groups`. */
  groupsClaim?: string;
  /** The ID token claim with the person's email address; default `email`. */
  emailClaim?: string;
  /** Refuse an email the provider has not verified (`email_verified`); default true. */
  requireEmailVerified?: boolean;
}

/**
 * GitHub through an AWS CodeConnections connection (`{ "github": "owner/name", "connectionArn":
 * ..., "branch": "main" }`), or a CodeCommit repository (`{ "codecommit": "name", "branch": ... }`).
 */
export type SourceSetting =
  | { github: string; connectionArn: string; branch: string }
  | { codecommit: string; branch: string };

/** The context key of each setting (`signoff:emailFrom`, ...). */
export const CONTEXT_PREFIX = 'signoff:';

const SET_EMAIL_FROM =
  'set it to an address at a domain you own, in the context of cdk.json ("signoff:emailFrom") or with -c signoff:emailFrom=signoff@yourcompany.com';

/** Domains reserved for documentation and testing (RFC 2606, RFC 6761): no mailbox there is real. */
const PLACEHOLDER_DOMAINS = ['example.com', 'example.org', 'example.net', 'localhost'];
const PLACEHOLDER_TLDS = ['example', 'test', 'invalid', 'localhost'];

/** The reserved domain an address is at, or undefined for an address that can be real. */
export function placeholderDomain(address: string): string | undefined {
  const domain = address
    .slice(address.lastIndexOf('@') + 1)
    .toLowerCase()
    .replace(/\.$/, '');
  const reserved = PLACEHOLDER_DOMAINS.find((d) => domain === d || domain.endsWith(`.${d}`));
  if (reserved) return reserved;
  const tld = domain.split('.').pop() ?? '';
  return PLACEHOLDER_TLDS.includes(tld) ? `.${tld}` : undefined;
}

const roleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME)',
  );

/** A claim name: what an ID token's JSON can carry as a key, within reason. */
const claimName = z
  .string()
  .regex(/^[\w:./-]{1,100}$/, 'must be a claim name (letters, digits, _ : . / -), such as groups');

const oidcSchema = z.strictObject(
  {
    // Kept exactly as given: openid-client requires the discovery document's `issuer` to equal it.
    issuer: z
      .url({
        protocol: /^https$/,
        error: (issue) =>
          issue.input === undefined
            ? 'is required: the issuer URL of your identity provider, such as https://acme.okta.com/oauth2/default'
            : 'must be an https:// URL, the issuer of your identity provider (such as https://acme.okta.com/oauth2/default)',
      })
      // OpenID Connect Discovery 1.0, section 3: an issuer has no query or fragment.
      .refine((u) => !/[?#]/.test(u), 'must have no query or fragment (OpenID Connect Discovery 1.0, 3)'),
    clientId: z
      .string({ error: 'is required: the client id your identity provider gave signoff' })
      .regex(/^[\x21-\x7e]{1,255}$/, 'must be the client id your identity provider gave signoff'),
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(60, 'must be at most 60 characters (it is shown on the sign-in button)')
      .optional(),
    scopes: z
      .string()
      .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, 'must be scopes separated by single spaces')
      .refine((s) => s.split(' ').includes('openid'), 'must include openid')
      .optional(),
    groupsClaim: claimName.optional(),
    emailClaim: claimName.optional(),
    requireEmailVerified: z.boolean({ error: 'must be true or false' }).optional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? 'must be a JSON object: {"issuer": "https://...", "clientId": "..."} and optionally name, scopes, groupsClaim, emailClaim, requireEmailVerified'
        : undefined,
  },
);

/** A yes/no setting: a JSON boolean, or `true`/`false` as `-c` gives it. */
const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])], { error: 'must be true or false' })
  .transform((v) => v === true || v === 'true');

const settingsSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,19}$/,
      'must be 1-20 lowercase letters, digits or dashes, starting with a letter',
    )
    .default('signoff'),
  emailFrom: z
    .email({
      error: (issue) =>
        issue.input === undefined
          ? `is required: the address approval emails come from, which SES verifies; ${SET_EMAIL_FROM}`
          : 'must be an email address (the SES-verified sender)',
    })
    .superRefine((address, ctx) => {
      const domain = placeholderDomain(address);
      if (domain)
        ctx.addIssue({
          code: 'custom',
          message: `${address} is a placeholder: ${domain} is reserved for examples and tests (RFC 2606, RFC 6761), so it can never receive the SES verification email and no approval email would be sent; ${SET_EMAIL_FROM}`,
        });
    }),
  slackChannel: z
    .string()
    .regex(/^#?[a-z0-9][a-z0-9_-]{0,79}$/, 'must be a Slack channel name such as deployments')
    .transform((c) => c.replace(/^#/, ''))
    .optional(),
  githubRepos: z
    .array(z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be OWNER/NAME'))
    .default([]),
  artifactRetentionDays: z.coerce
    .number()
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days')
    .default(90),
  auditRetentionDays: z.coerce
    .number()
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(36500, 'must be at most 36500 days (S3 Object Lock allows 100 years)')
    .default(365),
  auditCheckpointMinutes: z.coerce
    .number()
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1 minute')
    .max(1440, 'must be at most 1440 minutes (a day)')
    .default(5),
  applyRoleArns: z.record(z.string(), roleArn).default({}),
  planRoleArns: z.record(z.string(), roleArn).default({}),
  /** Deprecated: the apply role before plan and apply had their own; read as applyRoleArns for one release. */
  buildRoleArns: z.record(z.string(), roleArn).default({}),
  stateBackends: z
    .record(
      z.string(),
      z
        .string()
        .regex(
          /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[\w!.'()/-]*)?$/,
          'must be an S3 bucket name, optionally with a key prefix (my-tf-state/prod)',
        ),
    )
    .default({}),
  buildImages: z.record(z.string(), z.string().min(1)).default({}),
  source: z
    .union([
      z.strictObject({
        github: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be OWNER/NAME'),
        connectionArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/,
            'must be the ARN of an AWS CodeConnections connection (arn:aws:codeconnections:REGION:ACCOUNT:connection/ID)',
          ),
        branch: z
          .string()
          .regex(/^[\w./-]{1,200}$/, 'must be a branch name')
          .default('main'),
      }),
      z.strictObject({
        codecommit: z.string().regex(/^[\w.-]{1,100}$/, 'must be a CodeCommit repository name'),
        branch: z
          .string()
          .regex(/^[\w./-]{1,200}$/, 'must be a branch name')
          .default('main'),
      }),
    ])
    .optional(),
  publicUrl: z
    .url({ protocol: /^https$/, error: 'must be an https:// URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  githubApiUrl: z
    .url({
      protocol: /^https$/,
      error: 'must be an https:// URL (GitHub Enterprise Server: https://HOST/api/v3)',
    })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  alarmTopicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'must be an SNS topic ARN')
    .optional(),
  timeoutAlarmPercent: z.coerce.number().min(1).max(100).default(25),
  failedRunsAlarmThreshold: z.coerce.number().int().min(1).default(3),
  oidc: oidcSchema.optional(),
  emailSignin: flag.optional(),
});

type Raw = Record<string, unknown>;

/** Context values from `-c key=value` are strings: lists may be comma-separated, maps JSON. */
function normalize(raw: Raw): Raw {
  const out: Raw = { ...raw };
  const parseJson = (key: string) => {
    const value = out[key];
    if (typeof value !== 'string') return;
    try {
      out[key] = JSON.parse(value);
    } catch {
      // Left as a string: the schema then says what shape it expects.
    }
  };
  if (typeof out.githubRepos === 'string' && !out.githubRepos.trim().startsWith('[')) {
    out.githubRepos = out.githubRepos
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  parseJson('githubRepos');
  parseJson('buildRoleArns');
  parseJson('applyRoleArns');
  parseJson('planRoleArns');
  parseJson('stateBackends');
  parseJson('buildImages');
  parseJson('source');
  parseJson('oidc');
  return out;
}

/** Picks the `signoff:*` entries of the CDK context (all of them, so a misspelt key is reported). */
export function settingsFromContext(context: Record<string, unknown>): Raw {
  const raw: Raw = {};
  for (const [key, value] of Object.entries(context)) {
    if (!key.startsWith(CONTEXT_PREFIX)) continue;
    if (value !== undefined && value !== null && value !== '') raw[key.slice(CONTEXT_PREFIX.length)] = value;
  }
  return raw;
}

/** What the settings are checked against: the IaC projects and the workflows' GitHub repositories. */
export interface SettingsContext {
  projects: string[];
  workflowRepos: string[];
}

/**
 * Validates raw settings; throws one error listing every problem as `signoff:KEY: message`.
 * Build roles, images and state backends must name known projects; workflows may only name allowed repositories.
 */
export function parseSettings(raw: Raw, context: SettingsContext): SignoffSettings {
  const problems: string[] = [];
  const result = settingsSchema.safeParse(normalize(raw));
  const parsed = result.success ? result.data : undefined;
  for (const issue of result.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
      const known = Object.keys(settingsSchema.shape).join(', ');
      for (const key of issue.keys)
        problems.push(`${CONTEXT_PREFIX}${key}: not a signoff setting (known: ${known})`);
      continue;
    }
    if (issue.code === 'unrecognized_keys' && issue.path[0] === 'oidc') {
      const known = Object.keys(oidcSchema.shape).join(', ');
      for (const key of issue.keys)
        problems.push(
          key === 'clientSecret'
            ? `${CONTEXT_PREFIX}oidc.clientSecret: the client secret is not a setting (cdk.json is no place for it): put it in the secret oidc-client-secret after the deploy`
            : `${CONTEXT_PREFIX}oidc.${key}: not an oidc setting (known: ${known})`,
        );
      continue;
    }
    const [key, ...rest] = issue.path.map(String);
    const where = `${CONTEXT_PREFIX}${key ?? '?'}${rest.length > 0 ? `.${rest.join('.')}` : ''}`;
    problems.push(`${where}: ${issue.message}`);
  }
  if (parsed) {
    for (const key of [
      'applyRoleArns',
      'planRoleArns',
      'buildRoleArns',
      'buildImages',
      'stateBackends',
    ] as const) {
      for (const project of Object.keys(parsed[key])) {
        if (!context.projects.includes(project))
          problems.push(
            `${CONTEXT_PREFIX}${key}.${project}: no IaC project named "${project}" in config/projects.yaml (known: ${context.projects.join(', ') || 'none'})`,
          );
      }
    }
    for (const project of Object.keys(parsed.buildRoleArns)) {
      if (project in parsed.applyRoleArns)
        problems.push(
          `${CONTEXT_PREFIX}buildRoleArns.${project}: also set in ${CONTEXT_PREFIX}applyRoleArns; keep only applyRoleArns (buildRoleArns is its deprecated name)`,
        );
    }
    if (parsed.githubRepos.length > 0) {
      for (const repo of context.workflowRepos) {
        if (!parsed.githubRepos.includes(repo))
          problems.push(
            `${CONTEXT_PREFIX}githubRepos: a workflow is triggered by ${repo}, which is not in the allowed list (${parsed.githubRepos.join(', ')})`,
          );
      }
    }
  }
  if (problems.length > 0 || !parsed) {
    throw new Error(`signoff settings are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const { buildRoleArns, ...rest } = parsed;
  const { oidc, emailSignin, ...others } = rest;
  const settings: SignoffSettings = {
    ...others,
    ...(oidc ? { oidc } : {}),
    // Emailed links stay on until an identity provider replaces them, unless told otherwise.
    emailSignin: emailSignin ?? !oidc,
    githubRepos: parsed.githubRepos.length > 0 ? parsed.githubRepos : [...new Set(context.workflowRepos)],
    applyRoleArns: { ...buildRoleArns, ...parsed.applyRoleArns },
    deprecations:
      Object.keys(buildRoleArns).length > 0
        ? [
            `${CONTEXT_PREFIX}buildRoleArns is deprecated and read as ${CONTEXT_PREFIX}applyRoleArns for this release: rename it. Plan builds no longer run as that role but as ${CONTEXT_PREFIX}planRoleArns (default: a read-only role signoff makes).`,
          ]
        : [],
  };
  return settings;
}
