/**
 * Each Lambda bundle holds only what its function uses: a size budget per function, checked on
 * the esbuild metafile of the bundle the stack deploys (the same options), and no SDK client,
 * library or page the function never calls. A failure lists the biggest contributors.
 */
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { BUNDLE_BUDGETS_KB } from '../../infra/bundle-budgets.ts';
import { functionBundleOptions } from '../../infra/constructs/bundling.ts';
import { entryOf, FUNCTIONS, type FunctionName, type FunctionSpec } from '../../infra/functions.ts';
import { projectRoot } from '../support/examples.ts';

type Inputs = Metafile['outputs'][string]['inputs'];

async function bundleInputs(name: FunctionName): Promise<{ bytes: number; inputs: Inputs }> {
  const result = await build({
    ...functionBundleOptions(projectRoot, entryOf(name), join('out', name, 'index.mjs')),
    sourcemap: false,
    write: false,
    metafile: true,
  });
  const [output] = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.mjs'));
  if (!output) throw new Error(`no bundle for ${name}`);
  return { bytes: output[1].bytes, inputs: output[1].inputs };
}

/** The package (or project folder) a bundled file belongs to. */
function ownerOf(file: string): string {
  const pkg = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1] as string;
  return file.split('/').slice(0, 2).join('/');
}

/** The biggest contributors, as `KB package` lines. */
function topContributors(inputs: Inputs, count = 12): string {
  const byOwner = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    byOwner.set(ownerOf(file), (byOwner.get(ownerOf(file)) ?? 0) + bytesInOutput);
  }
  return [...byOwner]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([owner, bytes]) => `${(bytes / 1024).toFixed(1).padStart(7)} KB  ${owner}`)
    .join('\n');
}

/**
 * The SDK clients and libraries a function's bundle may hold: exactly those its role lets it
 * call (infra/functions.ts), so a client in a bundle is code the function can use.
 */
function allowedClients(spec: FunctionSpec): Record<string, boolean> {
  const needs = spec.needs;
  return {
    '@aws-sdk/client-sesv2': needs.sendsEmail === true,
    '@aws-sdk/client-s3': needs.artifacts !== undefined || needs.auditArchive !== undefined,
    '@aws-sdk/client-scheduler': needs.schedulesEscalations === true,
    '@aws-sdk/client-sfn':
      needs.taskTokens === true || needs.executions !== undefined || needs.startsFixUpRuns === true,
    '@aws-sdk/client-secrets-manager': needs.secrets.length > 0,
    // Only the web function is granted logs:GetLogEvents (the run pages' build logs).
    '@aws-sdk/client-cloudwatch-logs': spec.name === 'web',
  };
}

/** Email templates go with SES; the sign-in function shows a refused sign-in's page; every other page is the web function's. */
function pagesAllowed(spec: FunctionSpec, file: string): boolean {
  if (spec.name === 'web') return true;
  if (spec.name === 'signin' && /^web\/(html|layout|error-page)\.ts$/.test(file)) return true;
  return spec.needs.sendsEmail === true && /^web\/(approval-email|html)\.ts$/.test(file);
}

describe('function bundles', () => {
  it('has a budget for every function', () => {
    expect(Object.keys(BUNDLE_BUDGETS_KB).sort()).toEqual(FUNCTIONS.map((f) => f.name).sort());
  });

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))(
    '%s stays within its size budget and holds only what it calls',
    async (name, spec) => {
      const { bytes, inputs } = await bundleInputs(name);
      const budget = BUNDLE_BUDGETS_KB[name];
      expect(
        bytes,
        `${name} is ${(bytes / 1024).toFixed(0)} KB minified, over its ${budget} KB budget. Biggest parts:\n${topContributors(inputs)}`,
      ).toBeLessThanOrEqual(budget * 1024);

      const files = Object.keys(inputs);
      const owners = new Set(files.map(ownerOf));
      for (const [client, allowed] of Object.entries(allowedClients(spec))) {
        expect(owners.has(client), `${name} ${allowed ? 'may' : 'must not'} bundle ${client}`).toBe(
          owners.has(client) && allowed,
        );
      }
      // Slack is called by the functions that may read the bot token, with signoff's own client.
      expect(files.includes('functions/adapters/slack-client.ts'), `${name} and the Slack client`).toBe(
        spec.needs.secrets.includes('slack-bot-token'),
      );
      expect(owners.has('@slack/web-api'), `${name} must not bundle @slack/web-api`).toBe(false);
      // The YAML parser, the full schema library and the workflow loader stay at synth: the
      // functions read the validated workflows and directory as JSON.
      expect(
        files.filter((f) =>
          /node_modules\/yaml\/|node_modules\/zod\/v4\/classic\/|statemachines\/load\.ts/.test(f),
        ),
      ).toEqual([]);
      expect(files.filter((f) => f.startsWith('web/') && !pagesAllowed(spec, f))).toEqual([]);
      // Credentials come from the Lambda environment: none of the SDK chain's other links (SSO,
      // config files, processes, web identity, instance metadata) nor the STS and SSO clients
      // they build.
      expect(
        files.filter((f) =>
          /node_modules\/@aws-sdk\/(credential-provider-(?!env\/)|nested-clients\/|token-providers\/)/.test(
            f,
          ),
        ),
      ).toEqual([]);
      expect(files).toContain('functions/wiring/lambda-credentials.ts');
    },
  );
});
