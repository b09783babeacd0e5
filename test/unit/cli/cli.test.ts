import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../support/examples.ts';

function signoff(args: string[], cwd = projectRoot) {
  const result = spawnSync(process.execPath, [join(projectRoot, 'bin/signoff.js'), ...args], {
    cwd,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('signoff CLI', () => {
  it('validates the example workflows', () => {
    const out = signoff(['validate']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('10 workflow(s) valid');
  });

  it('prints a scheduled workflow’s next three run times in its time zone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signoff-cli-'));
    cpSync(join(projectRoot, 'config'), join(dir, 'config'), { recursive: true });
    mkdirSync(join(dir, 'workflows'));
    writeFileSync(
      join(dir, 'workflows', 'nightly.yaml'),
      'name: nightly\nenvironment: staging\ntriggers:\n  schedule: { cron: "30 2 * * *", timezone: Europe/Berlin }\nsteps:\n  - { id: plan, type: iac, project: example-site-staging, action: plan }\n',
    );
    const out = signoff(['validate'], dir);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      /schedule "30 2 \* \* \*" \(Europe\/Berlin\), next: \d{4}-\d\d-\d\d 02:30 CES?T, \d{4}-\d\d-\d\d 02:30 CES?T, \d{4}-\d\d-\d\d 02:30 CES?T/,
    );
  });

  it('says what each configured freeze means now, and refuses a bad one at file:line:column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signoff-cli-'));
    cpSync(join(projectRoot, 'config'), join(dir, 'config'), { recursive: true });
    cpSync(join(projectRoot, 'workflows'), join(dir, 'workflows'), { recursive: true });
    const freezes = (window: string) =>
      `freezes:\n  - name: weekend\n    reason: Weekend\n    timezone: Europe/Berlin\n    environments: [production]\n    ${window}\n`;
    writeFileSync(
      join(dir, 'config', 'freezes.yaml'),
      freezes('weekly: { from: "Fri 16:00", to: "Mon 08:00" }'),
    );
    const out = signoff(['validate'], dir);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      /ok {2}freeze weekend: (in effect until \d{4}-\d\d-\d\d 08:00 CES?T|next \d{4}-\d\d-\d\d 16:00 CES?T to \d{4}-\d\d-\d\d 08:00 CES?T)/,
    );
    writeFileSync(
      join(dir, 'config', 'freezes.yaml'),
      freezes('weekly: { from: "Fri 16:00", to: "Mon 8am" }'),
    );
    const bad = signoff(['validate'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'config/freezes.yaml:6:38: freezes[0].weekly.to: must be a weekday and a 24-hour time, such as "Fri 16:00", got "Mon 8am"',
    );
  });

  it('prints every problem with file:line:column and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signoff-cli-'));
    cpSync(join(projectRoot, 'config'), join(dir, 'config'), { recursive: true });
    mkdirSync(join(dir, 'workflows'));
    writeFileSync(
      join(dir, 'workflows', 'broken.yaml'),
      'name: broken\nenvironment: production\nsteps:\n  - { id: gate, type: approval, approvers: [team:nobody], timeout: 2 days }\n',
    );
    const out = signoff(['validate'], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      'workflows/broken.yaml:4:68: steps[0].timeout: must be a number followed by s, m, h or d',
    );
    expect(out.stderr).toContain('1 problem found');
  });

  it('refuses a rule expression that does not type-check and auto-approval where the environment forbids it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signoff-cli-'));
    cpSync(join(projectRoot, 'config'), join(dir, 'config'), { recursive: true });
    mkdirSync(join(dir, 'workflows'));
    writeFileSync(
      join(dir, 'workflows', 'ruled.yaml'),
      [
        'name: ruled',
        'environment: production',
        'steps:',
        '  - { id: plan, type: iac, project: example-site, action: plan }',
        '  - id: approve',
        '    type: approval',
        '    approvers: [team:platform-leads]',
        '    rules:',
        "      - { when: 'plan.destroyed > 0', approvers: [team:security] }",
        "    auto_approve: { when: 'plan.destroy == 0', reason: low risk }",
        '',
      ].join('\n'),
    );
    const out = signoff(['validate'], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      'workflows/ruled.yaml:9:23: steps[1] (approve).rules[0].when: the expression is not valid: No such key: destroyed',
    );
    expect(out.stderr).toContain(
      'workflows/ruled.yaml:10:19: steps[1] (approve).auto_approve: environment "production" forbids auto-approval',
    );
  });

  it('compiles a workflow to ASL JSON', () => {
    const out = signoff(['compile', 'staging-deploy']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ StartAt: 'Initialize', QueryLanguage: 'JSONPath' });
  });

  it('draws a workflow as Mermaid', () => {
    const out = signoff(['graph', 'production-deploy-with-escalation', '--mermaid']);
    expect(out.stdout).toContain('flowchart TD');
    expect(out.stdout).toContain('check_cost -->|else| Freeze_apply');
  });

  it('names the known workflows when one is unknown', () => {
    const out = signoff(['compile', 'nope']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('no workflow named "nope" (workflows: critical-infra-two-person,');
  });

  it('refuses to force-release a lock without a reason, before asking the server', () => {
    const out = signoff(['unlock', 'example-site', '--endpoint', 'http://127.0.0.1:9', '--token', 't']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('unlock needs --reason TEXT: a force-release is audited');
  });
});
