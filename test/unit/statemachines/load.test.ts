import { describe, expect, it } from 'vitest';
import { formatProblem, loadDirectory, loadProjects, loadWorkflow } from '../../../statemachines/load.ts';
import type { Directory, Projects } from '../../../statemachines/schema.ts';

const directory: Directory = {
  users: [
    { email: 'jane@acme.com', name: 'Jane', role: 'developer' },
    { email: 'alice@acme.com', name: 'Alice', role: 'admin' },
    { email: 'bob@acme.com', name: 'Bob', role: 'developer' },
    { email: 'victor@acme.com', name: 'Victor', role: 'viewer' },
  ],
  teams: { leads: ['alice@acme.com', 'bob@acme.com', 'victor@acme.com'] },
};
const projects: Projects = {
  projects: [
    { name: 'net', tool: 'terraform', directory: 'infra/net' },
    { name: 'db', tool: 'terraform', directory: 'infra/db' },
  ],
};

function problems(text: string): string[] {
  const result = loadWorkflow(text, 'wf.yaml', { directory, projects });
  return result.ok ? [] : result.problems.map(formatProblem);
}

const header = 'name: wf\nenvironment: production\n';
const plan = '  - { id: plan, type: iac, project: net, action: plan }\n';

describe('loadWorkflow', () => {
  it('accepts a plan, gate, apply, notify workflow and fills the defaults', () => {
    const result = loadWorkflow(
      `${header}steps:\n${plan}  - { id: approve, type: approval, approvers: [team:leads] }\n  - { id: apply, type: iac, project: net, action: apply }\n  - { id: notify, type: http, url: 'https://hooks.example.com/x', run_on: always, body: '{"t":"{{workflow}} {{outcome}}"}' }\n`,
      'wf.yaml',
      { directory, projects },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const gate = result.value.steps[1];
    expect(gate).toMatchObject({
      required: 1,
      timeout: '4h',
      on_timeout: 'cancel',
      allow_self_approval: false,
      gate_on_no_changes: false,
    });
    expect(result.value.triggers.manual?.roles).toEqual(['developer', 'admin']);
  });

  it('reads gate_on_no_changes, and names the line of a value that is not true or false', () => {
    const gate = (value: string) =>
      `${header}steps:\n${plan}  - id: approve\n    type: approval\n    approvers: [team:leads]\n    gate_on_no_changes: ${value}\n`;
    const result = loadWorkflow(gate('true'), 'wf.yaml', { directory, projects });
    expect(result.ok && result.value.steps[1]).toMatchObject({ gate_on_no_changes: true });
    const out = problems(gate('"yes"'));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^wf\.yaml:8:25: steps\[1\]\.gate_on_no_changes: /);
    expect(out[0]).toMatch(/boolean/);
  });

  it('lets a workflow run on open pull requests plan and ask, and refuses one that applies, at its line', () => {
    const pr = `${header}triggers:\n  github:\n    repository: acme/infra\n    on: pull_request\nsteps:\n${plan}`;
    const ok = loadWorkflow(
      `${pr}  - { id: approve, type: approval, approvers: [team:leads] }\n`,
      'wf.yaml',
      {
        directory,
        projects,
      },
    );
    expect(ok.ok && ok.value.triggers.github).toEqual({
      repository: 'acme/infra',
      branch: 'main',
      on: 'pull_request',
    });
    expect(problems(`${pr}  - { id: apply, type: iac, project: net, action: apply }\n`)).toEqual([
      'wf.yaml:6:9: triggers.github.on: a workflow run on open pull requests plans only, but step "apply" (steps[1]) applies; apply in a workflow run on merges',
    ]);
    expect(problems(`${pr.replace('pull_request', 'push')}`)[0]).toMatch(
      /^wf\.yaml:6:9: triggers\.github\.on: /,
    );
  });

  it('takes a schedule in a time zone, and names the line of a bad expression, zone or gate-less production apply', () => {
    const scheduled = (cron: string, timezone: string, steps = plan) =>
      `${header}triggers:\n  schedule:\n    cron: "${cron}"\n    timezone: ${timezone}\nsteps:\n${steps}`;
    const ok = loadWorkflow(scheduled('0 */4 * * *', 'Europe/Berlin'), 'wf.yaml', { directory, projects });
    expect(ok.ok && ok.value.triggers.schedule).toEqual({ cron: '0 */4 * * *', timezone: 'Europe/Berlin' });
    expect(problems(scheduled('0 25 * * *', 'Europe/Berlin'))).toEqual([
      'wf.yaml:5:11: triggers.schedule.cron: the hour field "25": "25" is not 0-23',
    ]);
    expect(problems(scheduled('0 2 * * *', 'Europe/Paris2'))).toEqual([
      'wf.yaml:6:15: triggers.schedule.timezone: "Europe/Paris2" is not an IANA time zone (for example Europe/Berlin or UTC)',
    ]);
    const apply = `${plan}  - { id: apply, type: iac, project: net, action: apply }\n`;
    expect(problems(scheduled('0 2 * * *', 'UTC', apply))).toEqual([
      'wf.yaml:5:5: triggers.schedule: a production workflow that applies without an approval gate cannot run on a schedule; add a gate',
    ]);
  });

  it('reports a YAML syntax error with its line and column', () => {
    expect(problems(`${header}steps:\n  - id: [unclosed\n`)[0]).toMatch(
      /^wf\.yaml:5:1: YAML syntax: Flow sequence/,
    );
  });

  it('reports every problem, not only the first, each with file:line:column', () => {
    const out = problems(
      `${header}steps:\n  - id: plan\n    type: iac\n    project: net\n    action: deploy\n  - id: gate\n    type: approval\n    approvers: [team:leads]\n    timeout: 4 hours\n`,
    );
    expect(out).toEqual([
      'wf.yaml:7:13: steps[0].action: must be one of "plan", "apply", got "deploy"',
      'wf.yaml:11:14: steps[1].timeout: must be a number followed by s, m, h or d (for example 30m, 4h, 1d), got "4 hours"',
    ]);
  });

  it('names an unknown field and lists the allowed ones', () => {
    const [out] = problems(
      `${header}steps:\n  - id: plan\n    type: iac\n    project: net\n    action: plan\n    approvers: [x]\n`,
    );
    expect(out).toMatch(
      /^wf\.yaml:8:5: steps\[0\]\.approvers: unknown field; allowed here: id, type, name, project, action/,
    );
  });

  it('reports an unknown step type with the allowed types', () => {
    expect(problems(`${header}steps:\n  - { id: x, type: deploy }\n`)).toEqual([
      'wf.yaml:4:20: steps[0].type: must be one of "iac", "approval", "condition", "http", got "deploy"',
    ]);
  });

  it('reports a missing required field at its parent', () => {
    expect(problems(`${header}steps:\n  - { id: plan, type: iac, action: plan }\n`)).toEqual([
      'wf.yaml:4:5: steps[0].project: is required (expected string)',
    ]);
  });

  it('refuses a workflow with no steps', () => {
    expect(problems(`${header}steps: []\n`)).toEqual([
      'wf.yaml:3:8: steps: a workflow needs at least one step',
    ]);
  });

  it('refuses duplicate step ids', () => {
    expect(
      problems(`${header}steps:\n${plan}  - { id: plan, type: iac, project: db, action: plan }\n`),
    ).toEqual(['wf.yaml:5:11: steps[1].id: "plan" is already the id of steps[0]']);
  });

  it('refuses then/else pointing at unknown steps', () => {
    const out = problems(
      `${header}steps:\n${plan}  - { id: c, type: condition, if: { field: cost.monthly_delta, op: gt, value: 5 }, then: nope, else: also_nope }\n`,
    );
    expect(out).toEqual([
      'wf.yaml:5:90: steps[1] (c).then: no step has the id "nope"',
      'wf.yaml:5:102: steps[1] (c).else: no step has the id "also_nope"',
    ]);
  });

  it('refuses a condition that jumps back, which would make a cycle', () => {
    const out = problems(
      `${header}steps:\n${plan}  - { id: c, type: condition, if: { field: plan.destroy, op: gt, value: 0 }, then: plan, else: done }\n  - { id: done, type: http, url: 'https://x.example.com' }\n`,
    );
    expect(out).toEqual([
      'wf.yaml:5:84: steps[1] (c).then: goes back to "plan", which makes a cycle; a condition may only jump forward',
    ]);
  });

  it('refuses an apply without an earlier plan of the same project', () => {
    expect(
      problems(`${header}steps:\n${plan}  - { id: apply, type: iac, project: db, action: apply }\n`),
    ).toEqual([
      'wf.yaml:5:50: steps[1] (apply).action: apply of project "db" has no earlier plan step of the same project',
    ]);
    expect(
      problems(
        `${header}steps:\n  - { id: apply, type: iac, project: net, action: apply, plan_from: plan }\n${plan}`,
      ),
    ).toEqual([
      'wf.yaml:4:69: steps[0] (apply).plan_from: "plan" comes after this step; an apply needs an earlier plan step of the same project',
    ]);
  });

  it('refuses unknown users, teams, projects and roles', () => {
    const out = problems(
      `${header}triggers:\n  manual: { roles: [developer, operator] }\nsteps:\n  - { id: plan, type: iac, project: nope, action: plan }\n  - { id: gate, type: approval, approvers: ['user:who@acme.com', 'team:ghosts', 'role:viewer', 'role:boss'] }\n`,
    );
    expect(out).toEqual([
      'wf.yaml:4:32: triggers.manual.roles[1]: unknown role "operator"; roles are admin, developer, viewer',
      'wf.yaml:6:37: steps[0] (plan).project: unknown project "nope" (config/projects.yaml has: net, db)',
      'wf.yaml:7:45: steps[1] (gate).approvers[0]: user:who@acme.com: no such user in config/directory.yaml',
      'wf.yaml:7:66: steps[1] (gate).approvers[1]: team:ghosts: no such team (config/directory.yaml has: leads)',
      'wf.yaml:7:81: steps[1] (gate).approvers[2]: role:viewer: viewers cannot approve; use role:developer or role:admin',
      'wf.yaml:7:96: steps[1] (gate).approvers[3]: role:boss: unknown role "boss"; approvers may be role:developer or role:admin',
      'wf.yaml:7:5: steps[1] (gate).required: requires 1 approval(s) but the approvers include only 0 people who can approve (viewers excluded)',
    ]);
  });

  it('refuses required larger than the eligible approvers, not counting viewers', () => {
    expect(
      problems(`${header}steps:\n  - { id: gate, type: approval, approvers: [team:leads], required: 3 }\n`),
    ).toEqual([
      'wf.yaml:4:68: steps[0] (gate).required: requires 3 approval(s) but the approvers include only 2 people who can approve (viewers excluded)',
    ]);
  });

  it('refuses an escalation at or after the timeout, and timeouts out of range', () => {
    expect(
      problems(
        `${header}steps:\n  - id: gate\n    type: approval\n    approvers: [team:leads]\n    timeout: 2h\n    escalation:\n      - { after: 2h, approvers: [user:jane@acme.com] }\n  - { id: g2, type: approval, approvers: [team:leads], timeout: 30s }\n`,
      ),
    ).toEqual([
      'wf.yaml:9:18: steps[0] (gate).escalation[0].after: 2h is not before the timeout (2h); the gate would already be closed',
      'wf.yaml:10:65: steps[1] (g2).timeout: 30s is out of range; a timeout is between 1m and 365d',
    ]);
  });

  it('refuses unknown placeholders in an http body', () => {
    expect(
      problems(
        `${header}steps:\n  - { id: n, type: http, url: 'https://x.example.com', body: 'hi {{workflow}} {{secret_key}}' }\n`,
      ),
    ).toEqual([
      'wf.yaml:4:62: steps[0] (n).body: unknown placeholder {{secret_key}}; see the README for the list',
    ]);
  });

  it('refuses a condition on cost with no earlier plan, and a numeric op on a string', () => {
    expect(
      problems(
        `${header}steps:\n  - { id: c, type: condition, if: { field: cost.monthly_delta, op: gt, value: big }, then: a, else: a }\n  - { id: a, type: http, url: 'https://x.example.com' }\n`,
      ),
    ).toEqual([
      'wf.yaml:4:44: steps[0] (c).if.field: "cost.monthly_delta" needs an earlier plan step',
      'wf.yaml:4:79: steps[0] (c).if.value: op gt compares numbers, got "big"',
    ]);
  });

  it('refuses an http step with neither url nor secret', () => {
    expect(problems(`${header}steps:\n  - { id: n, type: http }\n`)).toEqual([
      'wf.yaml:4:5: steps[0].url: needs exactly one of url or secret',
    ]);
  });

  it('still cross-checks the valid steps when another step fails the schema', () => {
    expect(
      problems(
        `${header}steps:\n${plan}  - { id: gate, type: approval, approvers: [team:leads], timeout: 4 hours }\n  - { id: gate2, type: approval, approvers: [team:ghosts, user:jane@acme.com] }\n`,
      ),
    ).toEqual([
      'wf.yaml:5:67: steps[1].timeout: must be a number followed by s, m, h or d (for example 30m, 4h, 1d), got "4 hours"',
      'wf.yaml:6:46: steps[2] (gate2).approvers[0]: team:ghosts: no such team (config/directory.yaml has: leads)',
    ]);
  });

  it('keeps schema and cross-check problems in file order', () => {
    expect(
      problems(
        `${header}steps:\n  - { id: gate2, type: approval, approvers: [team:ghosts, user:jane@acme.com] }\n${plan}  - { id: gate, type: approval, approvers: [team:leads], timeout: 4 hours }\n`,
      ),
    ).toEqual([
      'wf.yaml:4:46: steps[0] (gate2).approvers[0]: team:ghosts: no such team (config/directory.yaml has: leads)',
      'wf.yaml:6:67: steps[2].timeout: must be a number followed by s, m, h or d (for example 30m, 4h, 1d), got "4 hours"',
    ]);
  });

  it('does not call a then/else target unknown when that step failed the schema', () => {
    expect(
      problems(
        `${header}steps:\n${plan}  - { id: c, type: condition, if: { field: cost.monthly_delta, op: gt, value: 5 }, then: big, else: done }\n  - { id: big, type: approval, approvers: [team:leads], timeout: soon }\n  - { id: done, type: http, url: 'https://x.example.com' }\n`,
      ),
    ).toEqual([
      'wf.yaml:6:66: steps[2].timeout: must be a number followed by s, m, h or d (for example 30m, 4h, 1d), got "soon"',
    ]);
  });

  it('still finds a cycle through a step that failed the schema', () => {
    expect(
      problems(
        `${header}steps:\n  - { id: plan, type: iac, project: net, action: plan, timeout: soon }\n  - { id: c, type: condition, if: { field: plan.destroy, op: gt, value: 0 }, then: plan, else: done }\n  - { id: done, type: http, url: 'https://x.example.com' }\n`,
      ),
    ).toEqual([
      'wf.yaml:4:65: steps[0].timeout: must be a number followed by s, m, h or d (for example 30m, 4h, 1d), got "soon"',
      'wf.yaml:5:84: steps[1] (c).then: goes back to "plan", which makes a cycle; a condition may only jump forward',
    ]);
  });

  it('does not say an apply lacks a plan when its plan step failed the schema', () => {
    expect(
      problems(
        `${header}steps:\n  - { id: plan, type: iac, project: net, action: plan, timeout: 1 hour }\n  - { id: apply, type: iac, project: net, action: apply }\n  - { id: apply2, type: iac, project: net, action: apply, plan_from: plan }\n`,
      ),
    ).toEqual([
      'wf.yaml:4:65: steps[0].timeout: must be a number followed by s, m, h or d (for example 30m, 4h, 1d), got "1 hour"',
    ]);
    expect(
      problems(
        `${header}steps:\n  - { id: plan, type: deploy, project: net }\n  - { id: apply, type: iac, project: net, action: apply }\n`,
      ),
    ).toEqual([
      'wf.yaml:4:23: steps[0].type: must be one of "iac", "approval", "condition", "http", got "deploy"',
    ]);
  });

  it('still says an apply lacks a plan when the failed steps cannot be its plan', () => {
    expect(
      problems(
        `${header}steps:\n  - { id: plan, type: iac, project: db, action: plan, timeout: soon }\n  - { id: apply, type: iac, project: net, action: apply }\n`,
      ),
    ).toEqual([
      'wf.yaml:4:64: steps[0].timeout: must be a number followed by s, m, h or d (for example 30m, 4h, 1d), got "soon"',
      'wf.yaml:5:51: steps[1] (apply).action: apply of project "net" has no earlier plan step of the same project',
    ]);
  });

  it('refuses a workflow with no steps even when a top-level field fails the schema', () => {
    expect(problems('name: Bad!\nenvironment: production\nsteps: []\n')).toEqual([
      'wf.yaml:1:7: name: must be lowercase letters, digits and dashes, got "Bad!"',
      'wf.yaml:3:8: steps: a workflow needs at least one step',
    ]);
  });

  it('reports an empty file', () => {
    expect(problems('')).toEqual(['wf.yaml:1:1: the file is empty']);
  });
});

describe('loadDirectory', () => {
  it('refuses team members who are not users and duplicate users', () => {
    const result = loadDirectory(
      'users:\n  - { email: a@x.com, name: A, role: admin }\n  - { email: A@x.com, name: A2, role: developer }\nteams:\n  t: [a@x.com, b@x.com]\n',
      'directory.yaml',
    );
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      'directory.yaml:3:14: users[1].email: A@x.com is listed twice',
      'directory.yaml:5:16: teams.t[1]: b@x.com is not a user in the directory',
    ]);
  });

  it('refuses an unknown role', () => {
    const result = loadDirectory('users:\n  - { email: a@x.com, name: A, role: owner }\n', 'd.yaml');
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      'd.yaml:2:38: users[0].role: must be one of "admin", "developer", "viewer", got "owner"',
    ]);
  });
});

describe('loadProjects', () => {
  it('needs plan and apply commands for tool: command', () => {
    const result = loadProjects('projects:\n  - { name: x, tool: command, directory: . }\n', 'p.yaml');
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      'p.yaml:2:5: projects[0].plan: a project with tool: command needs both plan and apply commands',
    ]);
  });

  it('waits 30m for a project lock by default, takes lock.wait, and reports a bad one with file:line', () => {
    const plain = loadWorkflow(`${header}steps:\n${plan}`, 'wf.yaml', { directory, projects });
    expect(plain.ok && plain.value.lock).toEqual({ wait: '30m' });
    const set = loadWorkflow(`${header}lock: { wait: 2h }\nsteps:\n${plan}`, 'wf.yaml', {
      directory,
      projects,
    });
    expect(set.ok && set.value.lock).toEqual({ wait: '2h' });
    expect(problems(`${header}lock:\n  wait: forever\n  tries: 3\nsteps:\n${plan}`)).toEqual([
      'wf.yaml:4:9: lock.wait: must be a number followed by s, m, h or d (for example 30m, 4h, 1d), got "forever"',
      'wf.yaml:5:3: lock.tries: unknown field; allowed here: wait',
    ]);
    expect(problems(`${header}lock: { wait: 2d }\nsteps:\n${plan}`)).toEqual([
      'wf.yaml:3:15: lock.wait: must be at most 1d',
    ]);
  });
});
