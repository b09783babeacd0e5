import { z } from 'zod';

/** Roles a directory user can have; only developers and admins may approve. */
export const ROLES = ['admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Step ids become JSONPath keys and state names, so they stay simple. */
const stepId = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,63}$/,
    'must be lowercase letters, digits and underscores, starting with a letter',
  );

const durationText = z
  .string()
  .regex(/^[1-9][0-9]*(s|m|h|d)$/, 'must be a number followed by s, m, h or d (for example 30m, 4h, 1d)');

/** `user:EMAIL`, `team:NAME` or `role:ROLE`. */
const approverRef = z
  .string()
  .regex(
    /^(user:[^@\s]+@[^@\s]+|team:[A-Za-z0-9_.-]+|role:[a-z]+)$/,
    'must be user:EMAIL, team:NAME or role:ROLE',
  );

const onFailure = z.enum(['stop', 'notify_and_stop']);

const iacStep = z.strictObject({
  id: stepId,
  type: z.literal('iac'),
  name: z.string().optional(),
  project: z.string().min(1),
  action: z.enum(['plan', 'apply']),
  /** `drift`: a drift check, a plan that is never applied and reports how the project differs from its code. */
  mode: z.literal('drift').optional(),
  /** A drift check's fix-up: the workflow a run of which is started when the check finds drift. */
  fix_with: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'must be a workflow name')
    .optional(),
  plan_from: stepId.optional(),
  on_failure: onFailure.default('stop'),
  timeout: durationText.default('1h'),
});

const escalation = z.strictObject({
  after: durationText,
  approvers: z.array(approverRef).min(1),
});

/** A conditional approver rule: when `when` (CEL over the plan) matches, `required` more approvals from `approvers`. */
const approvalRule = z.strictObject({
  when: z.string().min(1),
  approvers: z.array(approverRef).min(1).optional(),
  required: z.number().int().min(1).default(1),
  reason: z.string().min(1).optional(),
  /** An approval counted for this rule may also count for the gate's other rules. */
  shared: z.boolean().default(false),
});

const approvalStep = z.strictObject({
  id: stepId,
  type: z.literal('approval'),
  name: z.string().optional(),
  approvers: z.array(approverRef).min(1),
  required: z.number().int().min(1).default(1),
  timeout: durationText.default('4h'),
  on_timeout: z.enum(['cancel', 'reject']).default('cancel'),
  include: z.array(z.enum(['plan', 'cost', 'policy'])).default(['plan', 'cost', 'policy']),
  notify: z
    .strictObject({
      slack: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, 'must be a channel name without # (or a channel id)')
        .optional(),
      email: z.boolean().default(true),
    })
    .default({ email: true }),
  allow_self_approval: z.boolean().default(false),
  /** Open the gate even when the plans before it have no changes (by default such a run ends "No changes"). */
  gate_on_no_changes: z.boolean().default(false),
  escalation: z.array(escalation).default([]),
  rules: z.array(approvalRule).default([]),
  /** Closes the gate as approved by signoff when `when` (CEL over the plan) matches. */
  auto_approve: z.strictObject({ when: z.string().min(1), reason: z.string().min(1) }).optional(),
  /**
   * Votes count only from the web, signed in through the identity provider within `max_age`
   * (`true`: 15m): Slack buttons and email links lead to that sign-in instead of counting.
   */
  require_signin: z.union([z.boolean(), z.strictObject({ max_age: durationText })]).default(false),
});

/** Roots a condition may read, and the JSONPath each one lives at in the run's state. */
export const CONDITION_ROOTS = {
  plan: '$.data.plan',
  cost: '$.data.cost',
  policy: '$.data.policy',
  approval: '$.data.approval',
  run: '$.run',
  /** What the drift checks before the condition found (`drift.status`: `in_sync` or `drifted`). */
  drift: '$.data.drift',
} as const;

const conditionStep = z.strictObject({
  id: stepId,
  type: z.literal('condition'),
  name: z.string().optional(),
  if: z.strictObject({
    field: z
      .string()
      .regex(
        /^(plan|cost|policy|approval|run|drift)(\.[a-z_][a-z0-9_]*)+$/,
        'must be a dotted path under plan, cost, policy, approval, run or drift (for example cost.monthly_delta)',
      ),
    op: z.enum(['gt', 'gte', 'lt', 'lte', 'eq', 'ne']),
    value: z.union([z.number(), z.string(), z.boolean()]),
  }),
  when_missing: z.enum(['then', 'else', 'fail']).default('fail'),
  // biome-ignore lint/suspicious/noThenProperty: `then` is the workflow language's keyword; this object is never awaited.
  then: stepId,
  else: stepId,
});

const httpStep = z
  .strictObject({
    id: stepId,
    type: z.literal('http'),
    name: z.string().optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    secret: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be a secret name (letters, digits, _ and -)')
      .optional(),
    method: z.enum(['POST', 'PUT', 'PATCH', 'GET']).default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.string().optional(),
    /** `drifted`: like `success`, but only when a drift check before it found drift. */
    run_on: z.enum(['success', 'failure', 'always', 'drifted']).default('success'),
  })
  .refine((s) => (s.url === undefined) !== (s.secret === undefined), {
    message: 'needs exactly one of url or secret',
    path: ['url'],
  });

/** One step of a workflow. */
export const stepSchema = z.discriminatedUnion('type', [iacStep, approvalStep, conditionStep, httpStep]);

const triggers = z.strictObject({
  manual: z
    .strictObject({ roles: z.array(z.string()).min(1).default(['developer', 'admin']) })
    .nullable()
    .optional()
    .transform((m) => (m === null ? { roles: ['developer', 'admin'] } : m)),
  github: z
    .strictObject({
      repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be OWNER/NAME'),
      branch: z.string().min(1).default('main'),
      /**
       * `merged`: a pull request merged into `branch`. `pull_request`: one opened against `branch`,
       * or pushed to, reopened (plans only: its check gates the merge; a push starts a new run).
       */
      on: z.enum(['merged', 'pull_request']).default('merged'),
    })
    .optional(),
  webhook: z
    .strictObject({
      secret: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/)
        .optional(),
    })
    .nullable()
    .optional()
    .transform((w) => (w === null ? {} : w)),
  /**
   * Runs at the times of a five-field cron expression (minute hour day-of-month month
   * day-of-week) in an IANA time zone; checked at load (statemachines/schedule.ts).
   */
  schedule: z
    .strictObject({ cron: z.string().min(1), timezone: z.string().min(1).default('UTC') })
    .optional(),
});

/** A workflow file as written. */
export const workflowSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'must be lowercase letters, digits and dashes'),
  description: z.string().default(''),
  environment: z.string().min(1),
  production: z.boolean().optional(),
  triggers: triggers.default({ manual: { roles: ['developer', 'admin'] }, webhook: undefined }),
  /** How long a run waits for another run of the same project to finish before it fails ProjectLocked. */
  lock: z
    .strictObject({
      // At most a day: a waiting run tries again at most every 5 minutes, and an execution's
      // history holds 25,000 events (Step Functions Developer Guide, "Service quotas").
      wait: durationText
        .refine((t) => !/^[0-9]+[smhd]$/.test(t) || parseDuration(t) <= 86_400, 'must be at most 1d')
        .default('30m'),
    })
    .default({ wait: '30m' }),
  /**
   * Whether a newer run cancels older runs of the same workflow and project still waiting at a
   * gate: when it is approved, or when it waits for the project lock such a run holds.
   */
  supersede: z.boolean().default(true),
  steps: z.array(stepSchema),
});

/** One IdP group name, or several (a member of any of them is in). */
const idpGroup = z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).min(1)]);
const idpMapping = z.strictObject({ idp_group: idpGroup });

/** config/directory.yaml as written: people and teams by hand, and teams and roles taken from IdP groups. */
export const directorySchema = z.strictObject({
  users: z
    .array(
      z.strictObject({
        email: z.email(),
        name: z.string().min(1),
        /** Optional when `roles` maps IdP groups: the role then comes from the person's last sign-in. */
        role: z.enum(ROLES).optional(),
        slack: z
          .string()
          .regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user id such as U012AB3CD')
          .optional(),
        github: z
          .string()
          .regex(/^[A-Za-z0-9-]{1,39}$/, 'must be a GitHub login')
          .optional(),
        /** The groups the local development identity provider gives this person (read by nothing else). */
        dev_groups: z.array(z.string().min(1).max(256)).optional(),
      }),
    )
    .default([]),
  teams: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.union([z.array(z.email()), idpMapping]))
    .default({}),
  /** Roles from IdP groups, for people who sign in through the identity provider. */
  roles: z
    .strictObject({
      admin: idpMapping.optional(),
      developer: idpMapping.optional(),
      viewer: idpMapping.optional(),
    })
    .default({}),
  /** How old a person's last sign-in may be before a Slack, email or API vote that rests on it is refused. */
  identity_max_age: durationText.default('7d'),
});

/** The directory file as parsed. */
export type DirectoryFile = z.infer<typeof directorySchema>;

/** A person with a role: listed by hand, or known from their last sign-in through the identity provider. */
export interface DirectoryUser {
  email: string;
  name: string;
  role: Role;
  slack?: string;
  github?: string;
}

/** Teams and roles that come from IdP groups, and how long a sign-in vouches for them. */
export interface IdpMappings {
  /** Team name to the IdP groups whose members are in it. */
  teams: Record<string, string[]>;
  /** Role to the IdP groups that give it. */
  roles: Partial<Record<Role, string[]>>;
  max_age_seconds: number;
}

/** What a person's last sign-in says, as the directory reads it now. */
export interface IdentityStanding {
  signed_in_at: string;
  /** The sign-in is older than `identity_max_age`. */
  stale: boolean;
  /** Teams the person is in through IdP groups. */
  teams: string[];
  /** The role came from IdP groups (not from the file). */
  role_from_idp: boolean;
}

/**
 * The directory as every handler reads it: `users` have a role and `teams` list emails. IdP teams
 * are empty here; `withIdentities` fills them from sign-in records.
 */
export interface Directory {
  users: DirectoryUser[];
  teams: Record<string, string[]>;
  /** Set when the file maps IdP groups to teams or roles. */
  idp?: IdpMappings;
  /** People the file lists without a role (name, Slack and GitHub ids for IdP people), with their dev IdP groups. */
  profiles?: (Omit<DirectoryUser, 'role'> & { dev_groups?: string[] })[];
  /** Users' dev IdP groups, by lower-case email (only the local identity provider reads them). */
  dev_groups?: Record<string, string[]>;
  /** The sign-in standing of people whose records were merged in, by lower-case email. */
  identities?: Record<string, IdentityStanding>;
}

/** The directory file as handlers read it (checks are `loadDirectory`'s). */
export function toDirectory(file: DirectoryFile): Directory {
  const list = (g: string | string[]) => (Array.isArray(g) ? g : [g]);
  const users: DirectoryUser[] = [];
  const profiles: NonNullable<Directory['profiles']> = [];
  const devGroups: Record<string, string[]> = {};
  for (const { role, dev_groups, ...person } of file.users) {
    if (role) {
      users.push({ ...person, role });
      if (dev_groups) devGroups[person.email.toLowerCase()] = dev_groups;
    } else profiles.push({ ...person, ...(dev_groups ? { dev_groups } : {}) });
  }
  const teams: Record<string, string[]> = {};
  const idpTeams: Record<string, string[]> = {};
  for (const [name, team] of Object.entries(file.teams)) {
    if (Array.isArray(team)) teams[name] = team;
    else {
      teams[name] = [];
      idpTeams[name] = list(team.idp_group);
    }
  }
  const idpRoles: IdpMappings['roles'] = {};
  for (const role of ROLES) {
    const mapping = file.roles[role];
    if (mapping) idpRoles[role] = list(mapping.idp_group);
  }
  const mapsIdp = Object.keys(idpTeams).length > 0 || Object.keys(idpRoles).length > 0;
  return {
    users,
    teams,
    ...(mapsIdp
      ? { idp: { teams: idpTeams, roles: idpRoles, max_age_seconds: parseDuration(file.identity_max_age) } }
      : {}),
    ...(profiles.length > 0 ? { profiles } : {}),
    ...(Object.keys(devGroups).length > 0 ? { dev_groups: devGroups } : {}),
  };
}

/** config/environments.yaml (optional): defaults per environment, by the name workflows give in `environment`. */
export const environmentsSchema = z.strictObject({
  environments: z
    .record(
      z.string().min(1),
      z.strictObject({
        defaults: z
          .strictObject({
            /** `never`: no approval step of a workflow in this environment may auto-approve. */
            auto_approve: z.enum(['allow', 'never']).default('allow'),
            /** Every approval step of a workflow in this environment requires a recent sign-in (`require_signin: true`). */
            require_signin: z.boolean().default(false),
          })
          .default({ auto_approve: 'allow', require_signin: false }),
      }),
    )
    .default({}),
});

const command = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** config/projects.yaml: the IaC projects workflows plan and apply. */
export const projectsSchema = z.strictObject({
  projects: z.array(
    z
      .strictObject({
        name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
        tool: z.enum(['terraform', 'tofu', 'command']),
        directory: z.string().min(1),
        plan: command.optional(),
        apply: command.optional(),
        cost: command.optional(),
        policy: z
          .strictObject({
            conftest: z.strictObject({ policy: z.string().min(1) }).optional(),
            checkov: z.boolean().optional(),
          })
          .optional(),
      })
      .refine((p) => p.tool !== 'command' || (p.plan !== undefined && p.apply !== undefined), {
        message: 'a project with tool: command needs both plan and apply commands',
        path: ['plan'],
      }),
  ),
});

export type Workflow = z.infer<typeof workflowSchema>;
export type Step = z.infer<typeof stepSchema>;
export type IacStep = z.infer<typeof iacStep>;
export type ApprovalStep = z.infer<typeof approvalStep>;
export type ApprovalRule = z.infer<typeof approvalRule>;
export type ConditionStep = z.infer<typeof conditionStep>;
export type HttpStep = z.infer<typeof httpStep>;
export type Environments = z.infer<typeof environmentsSchema>;
export type Projects = z.infer<typeof projectsSchema>;
export type Project = Projects['projects'][number];

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** The `max_age` a `require_signin: true` gate asks of the identity provider. */
export const DEFAULT_SIGNIN_MAX_AGE = '15m';

/** Parses `30m`, `4h`, `1d` into seconds. */
export function parseDuration(text: string): number {
  const unit = text.slice(-1) as keyof typeof UNIT_SECONDS;
  return Number(text.slice(0, -1)) * UNIT_SECONDS[unit];
}
