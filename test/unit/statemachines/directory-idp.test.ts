import { describe, expect, it } from 'vitest';
import { formatProblem, loadDirectory, loadWorkflow } from '../../../statemachines/load.ts';
import type { Directory, Projects } from '../../../statemachines/schema.ts';

function load(text: string): Directory {
  const result = loadDirectory(text, 'directory.yaml');
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.value;
}

function problems(text: string): string[] {
  const result = loadDirectory(text, 'directory.yaml');
  return result.ok ? [] : result.problems.map(formatProblem);
}

const IDP_DIRECTORY = `users:
  - { email: alice@acme.com, name: Alice Lead, role: admin, slack: U0ALICE, dev_groups: [okta:platform] }
  - { email: Bob@Acme.com, name: Bob Builder, slack: U0BOB, github: bob-b, dev_groups: [okta:engineers] }
  - { email: carol@acme.com, name: Carol Ops, role: developer }
teams:
  platform: { idp_group: "okta:platform" }
  sre: { idp_group: ["okta:sre", "okta:oncall"] }
  leads: [alice@acme.com, carol@acme.com]
roles:
  admin: { idp_group: okta:admins }
  developer: { idp_group: [okta:engineers, okta:contractors] }
identity_max_age: 12h
`;

describe('loadDirectory with IdP mappings', () => {
  it('keeps hand teams as emails and IdP teams empty, with their groups under idp', () => {
    const directory = load(IDP_DIRECTORY);
    expect(directory.teams).toEqual({
      platform: [],
      sre: [],
      leads: ['alice@acme.com', 'carol@acme.com'],
    });
    expect(directory.idp).toEqual({
      teams: { platform: ['okta:platform'], sre: ['okta:sre', 'okta:oncall'] },
      roles: { admin: ['okta:admins'], developer: ['okta:engineers', 'okta:contractors'] },
      max_age_seconds: 12 * 3600,
    });
  });

  it('puts people without a role in profiles, not users, with their ids and dev groups', () => {
    const directory = load(IDP_DIRECTORY);
    expect(directory.users.map((u) => u.email)).toEqual(['alice@acme.com', 'carol@acme.com']);
    expect(directory.profiles).toEqual([
      {
        email: 'Bob@Acme.com',
        name: 'Bob Builder',
        slack: 'U0BOB',
        github: 'bob-b',
        dev_groups: ['okta:engineers'],
      },
    ]);
  });

  it('keeps the dev groups of people with a role by lower-case email, and none in their user entry', () => {
    const directory = load(IDP_DIRECTORY);
    expect(directory.dev_groups).toEqual({ 'alice@acme.com': ['okta:platform'] });
    expect(directory.users[0]).toEqual({
      email: 'alice@acme.com',
      name: 'Alice Lead',
      role: 'admin',
      slack: 'U0ALICE',
    });
  });

  it('takes identity_max_age as 7 days when it is not given', () => {
    const directory = load('teams:\n  platform: { idp_group: okta:platform }\n');
    expect(directory.idp?.max_age_seconds).toBe(7 * 86400);
    expect(load('roles:\n  viewer: { idp_group: okta:all }\nidentity_max_age: 30m\n').idp).toEqual({
      teams: {},
      roles: { viewer: ['okta:all'] },
      max_age_seconds: 1800,
    });
  });

  it('sets no idp, profiles or dev_groups for a directory of hand-listed people only', () => {
    const directory = load(
      'users:\n  - { email: a@x.com, name: A, role: admin }\nteams:\n  t: [a@x.com]\nidentity_max_age: 1d\n',
    );
    expect(directory).toEqual({
      users: [{ email: 'a@x.com', name: 'A', role: 'admin' }],
      teams: { t: ['a@x.com'] },
    });
  });

  it('refuses a person without a role when no roles are mapped, naming users[i] at its line', () => {
    expect(
      problems(
        'users:\n  - { email: a@x.com, name: A, role: admin }\n  - { email: b@x.com, name: B }\nteams:\n  t: { idp_group: okta:t }\n',
      ),
    ).toEqual([
      'directory.yaml:3:5: users[1]: b@x.com has no role; give one, or map IdP groups to roles under roles:',
    ]);
  });

  it('still refuses a hand team naming someone the file does not list, beside IdP teams', () => {
    expect(
      problems(
        'users:\n  - { email: a@x.com, name: A }\nteams:\n  idp: { idp_group: okta:t }\n  hand: [a@x.com, ghost@x.com]\nroles:\n  developer: { idp_group: okta:dev }\n',
      ),
    ).toEqual(['directory.yaml:5:19: teams.hand[1]: ghost@x.com is not a user in the directory']);
  });

  it('lets a hand team name a person without a role (a profile) when roles are mapped', () => {
    const directory = load(
      'users:\n  - { email: a@x.com, name: A }\nteams:\n  hand: [a@x.com]\nroles:\n  developer: { idp_group: okta:dev }\n',
    );
    expect(directory.teams.hand).toEqual(['a@x.com']);
    expect(directory.users).toEqual([]);
  });

  it.each([
    [
      'an unknown key at the top',
      'groups: { x: y }\n',
      'directory.yaml:1:1: groups: unknown field; allowed here: users, teams, roles, identity_max_age',
    ],
    [
      'an unknown key in a team mapping',
      'teams:\n  t: { idp_group: okta:t, scim: true }\n',
      'directory.yaml:2:27: teams.t.scim: unknown field',
    ],
    [
      'an unknown role',
      'roles:\n  owner: { idp_group: okta:owners }\n',
      'directory.yaml:2:3: roles.owner: unknown field; allowed here: admin, developer, viewer',
    ],
    [
      'an unknown key in a role mapping',
      'roles:\n  admin: { idp_group: okta:a, claim: groups }\n',
      'directory.yaml:2:31: roles.admin.claim: unknown field; allowed here: idp_group',
    ],
    [
      'an empty group list',
      'teams:\n  t: { idp_group: [] }\n',
      'directory.yaml:2:19: teams.t.idp_group: must have at least 1 item(s)',
    ],
    [
      'a bad identity_max_age',
      'identity_max_age: a week\n',
      'directory.yaml:1:19: identity_max_age: must be a number followed by s, m, h or d (for example 30m, 4h, 1d), got "a week"',
    ],
  ])('refuses %s', (_, text, expected) => {
    expect(problems(text)).toEqual([expected]);
  });
});

describe('loadWorkflow against an IdP directory', () => {
  const directory = load(IDP_DIRECTORY);
  const projects: Projects = { projects: [{ name: 'net', tool: 'terraform', directory: 'infra/net' }] };
  const workflow = (approvers: string, required: number) =>
    `name: wf\nenvironment: production\nsteps:\n  - { id: plan, type: iac, project: net, action: plan }\n  - { id: approve, type: approval, approvers: [${approvers}], required: ${required} }\n`;
  const check = (approvers: string, required: number, dir = directory) => {
    const result = loadWorkflow(workflow(approvers, required), 'wf.yaml', { directory: dir, projects });
    return result.ok ? [] : result.problems.map(formatProblem);
  };

  it('accepts two approvals from an IdP team nobody has signed in to yet', () => {
    expect(check('team:platform', 2)).toEqual([]);
    expect(check('team:sre', 3)).toEqual([]);
  });

  it('accepts two approvals from a role that IdP groups give', () => {
    expect(check('role:developer', 2)).toEqual([]);
  });

  it('still counts the people of a hand team, and of a role no group gives', () => {
    expect(check('team:leads', 3)).toEqual([
      'wf.yaml:5:71: steps[1] (approve).required: requires 3 approval(s) but the approvers include only 2 people who can approve (viewers excluded)',
    ]);
    const handRoles = load(
      'users:\n  - { email: a@x.com, name: A, role: admin }\nteams:\n  t: { idp_group: okta:t }\n',
    );
    expect(check('role:admin', 2, handRoles)).toEqual([
      'wf.yaml:5:71: steps[1] (approve).required: requires 2 approval(s) but the approvers include only 1 people who can approve (viewers excluded)',
    ]);
  });

  it('refuses a team the directory has neither by hand nor from the IdP', () => {
    expect(check('team:nobody', 1)).toEqual([
      'wf.yaml:5:48: steps[1] (approve).approvers[0]: team:nobody: no such team (config/directory.yaml has: platform, sre, leads)',
      'wf.yaml:5:72: steps[1] (approve).required: requires 1 approval(s) but the approvers include only 0 people who can approve (viewers excluded)',
    ]);
  });
});
