import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type SignoffApp } from '../../infra/build-app.ts';
import { projectRoot } from '../support/examples.ts';
import { TEST_CONTEXT } from './synth.ts';

interface Violation {
  ruleName: string;
  violatingResources: { constructPath: string }[];
}

/** Builds the app without bundling: cdk-nag reads the construct tree, not the bundles. */
function buildUnbundled(): SignoffApp {
  return buildApp({
    projectRoot,
    outdir: mkdtempSync(join(tmpdir(), 'signoff-nag-')),
    context: { ...TEST_CONTEXT, 'aws:cdk:bundling-stacks': [] },
  });
}

/** Every cdk-nag acknowledgement in the tree (not the CDK's own): where, which rule or finding, and why. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  const visit = (node: IConstruct) => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        if (!/^((annotation|AwsSolutions)::)?AwsSolutions-/i.test(key)) continue;
        out.push({ path: node.node.path, id: key.replace(/^(annotation|AwsSolutions)::/i, ''), reason });
      }
    }
    for (const child of node.node.children) visit(child);
  };
  visit(root);
  return out;
}

/** The findings with every acknowledgement ignored. */
function rawFindings(app: App): Violation[] {
  const pack = new AwsSolutionsChecks();
  // Bypass acknowledgements (a private method of the pack) to see what each one hides.
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack.validateScope(app).violations as Violation[];
}

let built: SignoffApp;

beforeAll(() => {
  built = buildUnbundled();
}, 60_000);

describe('cdk-nag AwsSolutions on SignoffStack', () => {
  it('reports no unacknowledged finding', () => {
    const report = built.nag.validateScope(built.app);
    const findings = (report.violations as Violation[]).map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgement a reason a reviewer can check', () => {
    const acks = acknowledgements(built.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(60);
      expect(ack.reason).not.toMatch(/^(todo|n\/a|none|ok|suppress)/i);
    }
    // IAM4 and IAM5 are acknowledged per finding, never for the whole rule.
    for (const ack of acks.filter((a) => /IAM[45]/.test(a.id))) expect(ack.id).toMatch(/\[.+\]$/);
  });

  it('has no stale acknowledgement: each one hides a real finding under its construct', () => {
    const raw = rawFindings(built.app);
    expect(raw.length).toBeGreaterThan(0);
    const stale = acknowledgements(built.app).filter(
      (ack) =>
        !raw.some(
          (v) =>
            v.ruleName === ack.id &&
            v.violatingResources.some(
              (r) => r.constructPath === ack.path || r.constructPath.startsWith(`${ack.path}/`),
            ),
        ),
    );
    expect(stale.map((a) => `${a.id} at ${a.path}`)).toEqual([]);
  });

  it('catches a non-compliant resource added to the stack', () => {
    const app = buildUnbundled();
    new Bucket(app.stack, 'CarelessBucket');
    const rules = (app.nag.validateScope(app.app).violations as Violation[]).map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });
});
