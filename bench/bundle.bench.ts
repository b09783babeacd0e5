/**
 * Bundles every Lambda handler the way the CDK stack does (esbuild, minified ESM for Node.js 22)
 * and prints each bundle's size and its cold import time: a fresh Node process importing the
 * bundle with the environment the stack gives the function (median of a few runs), beside the
 * same figure for two baselines built in the same run and imported again right before each
 * function, as ratios.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { DEPLOYED_CONFIG_FILE } from '../functions/wiring/deployed-config.ts';
import { DEFAULT_PROJECT_ROOT } from '../infra/build-app.ts';
import { BUNDLE_BUDGETS_KB } from '../infra/bundle-budgets.ts';
import { functionBundleOptions, RUNTIME_FOLDERS, writeDeployedConfig } from '../infra/constructs/bundling.ts';
import { entryOf, FUNCTIONS } from '../infra/functions.ts';
import { loadWorkspace } from '../statemachines/load.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** What the stack sets, with stand-in values (nothing is called at import). */
function lambdaEnv(configDir: string, name: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_NAME: `signoff-${name}`,
    // In Lambda a function builds its deps (SDK clients, adapters) when it loads: measured too.
    LAMBDA_TASK_ROOT: configDir,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_SERVICE_NAME: 'signoff',
    POWERTOOLS_METRICS_NAMESPACE: 'signoff',
    SIGNOFF_GATES_TABLE: 'gates',
    SIGNOFF_AUDIT_TABLE: 'audit',
    SIGNOFF_RUNS_TABLE: 'runs',
    SIGNOFF_AUTH_TABLE: 'auth',
    SIGNOFF_STATE_MACHINE_ARN_PREFIX: 'arn:aws:states:eu-west-1:123456789012:stateMachine:signoff-',
    SIGNOFF_PUBLIC_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
    SIGNOFF_ARTIFACTS_BUCKET: 'signoff-artifacts',
    SIGNOFF_SECRETS_PREFIX: 'signoff/',
    SIGNOFF_EMAIL_FROM: 'signoff@example.com',
    SIGNOFF_SCHEDULER: 'eventbridge',
    SIGNOFF_ESCALATE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:signoff-escalate',
    SIGNOFF_SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/signoff-scheduler',
    SIGNOFF_SCHEDULE_GROUP: 'signoff',
    SIGNOFF_CONFIG_DIR: configDir,
  };
}

/** Milliseconds to import the bundle in a fresh process, or the error it threw. */
function coldImport(file: string, env: NodeJS.ProcessEnv): number | string {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  if (out.status !== 0)
    return (
      out.stderr
        .trim()
        .split('\n')
        .find((l) => /Error/.test(l)) ?? 'failed'
    ).slice(0, 80);
  return Number(out.stdout.trim().split('\n').pop());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * The two baselines every function is compared with, measured in the same run because this
 * machine is shared and noisy: a hello-world handler, and one that loads the DynamoDB, Step
 * Functions and SES clients (what published Lambda cold-start measurements use).
 */
const BASELINES = [
  { name: 'hello-world', code: 'export const handler = async () => ({ statusCode: 200 });' },
  {
    name: '3 SDK clients',
    code: [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { SFNClient } from '@aws-sdk/client-sfn';",
      "import { SESv2Client } from '@aws-sdk/client-sesv2';",
      'const clients = [new DynamoDBClient({}), new SFNClient({}), new SESv2Client({})];',
      'export const handler = async () => ({ statusCode: 200, clients: clients.length });',
    ].join('\n'),
  },
] as const;

interface Measured {
  bytes: number;
  gzipped: number;
  /** Median cold import in ms, or why the import failed. */
  cold: number | string;
}

/** Bundles one entry (a file, or code) as the stack does and measures its cold import. */
async function measure(
  root: string,
  dir: string,
  source: { file: string } | { code: string },
  env: NodeJS.ProcessEnv,
): Promise<Measured> {
  const outfile = join(dir, 'index.mjs');
  const options = functionBundleOptions(root, 'file' in source ? source.file : '', outfile);
  await build(
    'file' in source
      ? options
      : {
          ...options,
          entryPoints: undefined,
          stdin: { contents: source.code, resolveDir: root, loader: 'ts' as const },
        },
  );
  const code = readFileSync(outfile);
  const times = Array.from({ length: RUNS }, () => coldImport(outfile, env));
  const failed = times.find((t) => typeof t === 'string');
  return {
    bytes: code.length,
    gzipped: gzipSync(code).length,
    cold: failed ?? median(times as number[]),
  };
}

function row(name: string, m: Measured, baselines: number[], budgetKb?: number): string {
  const cold = typeof m.cold === 'number' ? `${m.cold.toFixed(0)} ms` : m.cold;
  const ratios = baselines.map((b) =>
    typeof m.cold === 'number' && b > 0 ? `${(m.cold / b).toFixed(2)}x` : '-',
  );
  const budget = budgetKb === undefined ? '' : `${budgetKb} KB`;
  return `${name.padEnd(20)} ${`${(m.bytes / 1024).toFixed(0)} KB`.padStart(10)} ${budget.padStart(8)} ${`${(m.gzipped / 1024).toFixed(0)} KB`.padStart(9)} ${cold.padStart(12)} ${ratios.map((r, i) => r.padStart(i === 0 ? 13 : 15)).join(' ')}`;
}

/**
 * Prints one line per function: minified KB, gzipped KB, cold import ms, and the cold import as
 * a ratio to each baseline (`BENCH_RUNS` fresh processes each, median; default 5).
 */
export default async function bench(): Promise<void> {
  const root = DEFAULT_PROJECT_ROOT;
  const work = mkdtempSync(join(tmpdir(), 'signoff-bundles-'));
  console.log(
    `node ${process.version} (Lambda runs Node.js 22); cold import = median of ${RUNS} fresh processes`,
  );
  console.log(
    `${'function'.padEnd(20)} ${'minified'.padStart(10)} ${'budget'.padStart(8)} ${'gzipped'.padStart(9)} ${'cold import'.padStart(12)} ${'/ hello-world'.padStart(13)} ${'/ 3 SDK clients'.padStart(15)}`,
  );
  try {
    const deployedConfig = writeDeployedConfig(loadWorkspace(root));
    const baselineImports: (() => number)[] = [];
    for (const [i, baseline] of BASELINES.entries()) {
      const dir = join(work, `baseline-${i}`);
      const env = lambdaEnv(dir, `baseline-${i}`);
      const m = await measure(root, dir, { code: baseline.code }, env);
      console.log(row(`(${baseline.name})`, m, []).trimEnd());
      baselineImports.push(() => {
        const times = Array.from({ length: RUNS }, () => coldImport(join(dir, 'index.mjs'), env));
        return times.every((t) => typeof t === 'number') ? median(times as number[]) : 0;
      });
    }
    for (const spec of FUNCTIONS) {
      const entry = join(root, entryOf(spec.name));
      if (!existsSync(entry)) {
        console.log(`${spec.name.padEnd(20)} missing: ${entryOf(spec.name)}`);
        continue;
      }
      const dir = join(work, spec.name);
      for (const folder of RUNTIME_FOLDERS)
        cpSync(join(root, folder), join(dir, folder), { recursive: true });
      cpSync(deployedConfig, join(dir, DEPLOYED_CONFIG_FILE));
      // The baselines again, right before each function: load on a shared machine drifts
      // during a run, and a ratio to figures taken minutes earlier would carry that drift.
      const baselines = baselineImports.map((measureAgain) => measureAgain());
      console.log(
        row(
          spec.name,
          await measure(root, dir, { file: entry }, lambdaEnv(dir, spec.name)),
          baselines,
          BUNDLE_BUDGETS_KB[spec.name],
        ),
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
