/**
 * Starts `moto_server` (moto 5.2) on a free loopback port with IAM enforcement on, and makes the
 * one administrator whose credentials set up everything else. Every later request must be
 * signed by a moto access key and is checked against that user's policies.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';

/** Credentials of a moto IAM user. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A running moto server. */
export interface Moto {
  endpoint: string;
  /** An IAM user allowed everything: the test's own setup and inspection. */
  admin: Credentials;
  stop(): Promise<void>;
}

/** moto's default account; ARNs it makes carry it. */
export const MOTO_ACCOUNT = '123456789012';
export const MOTO_REGION = 'us-east-1';

// moto checks every request after the first N; these N make the administrator (CreateUser,
// PutUserPolicy, CreateAccessKey), who then sets up the rest with signed requests.
const UNCHECKED_SETUP_REQUESTS = 3;

/** Why the AWS suite cannot run here, or undefined when `moto_server` is on PATH. */
export function motoMissing(): string | undefined {
  try {
    execFileSync('moto_server', ['--help'], { stdio: 'ignore', timeout: 30_000 });
    return undefined;
  } catch {
    return 'moto_server (moto 5.2) is not on PATH';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited: ${output()}`);
    try {
      // The dashboard is not an AWS action, so it does not use up the unchecked requests.
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not start: ${output()}`);
}

/** Starts moto with IAM enforcement and returns it with its administrator's credentials. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: String(UNCHECKED_SETUP_REQUESTS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  try {
    await waitUntilUp(endpoint, child, () => log);
    const iam = new IAMClient({
      region: MOTO_REGION,
      endpoint,
      credentials: { accessKeyId: 'setup', secretAccessKey: 'setup' },
    });
    await iam.send(new CreateUserCommand({ UserName: 'signoff-test-admin' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'signoff-test-admin',
        PolicyName: 'everything',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'signoff-test-admin' }))).AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('moto made no access key');
    return { endpoint, admin: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
