/**
 * CloudWatchBuildLogReader against moto's CloudWatch Logs, signed as a user that holds only what
 * the stack grants the web function: logs:GetLogEvents on the build log groups. moto 5.2 checks
 * the action only (its access control does not evaluate Resource for this service), so the
 * resource is checked before each call by the contract tests' IAM evaluator, on the log-stream
 * ARN AWS evaluates for GetLogEvents (Service Authorization Reference, CloudWatch Logs; a grant on
 * `log-group:<name>:*` covers its streams: CloudWatch Logs User Guide, "CloudWatch Logs resources
 * and operations").
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchBuildLogReader } from '../../functions/adapters/cloudwatch-build-log-reader.ts';
import { InvalidLogCursorError } from '../../functions/core/logs/log-errors.ts';
import { type IamStatement, isAllowed } from './support/iam-policy.ts';
import { MOTO_ACCOUNT, MOTO_REGION, type Moto, motoMissing, startMoto } from './support/moto.ts';

const missing = motoMissing();
if (missing) console.warn(`skipping the CloudWatch Logs contract test: ${missing}`);

const GROUP = '/signoff/builds/site-plan';
const OTHER_GROUP = '/signoff/other';
const BUILD = 'signoff-site-plan:0b7c5e0e-1111-4a2b-9c3d-5e6f7a8b9c0d';
const STREAM = '0b7c5e0e-1111-4a2b-9c3d-5e6f7a8b9c0d';

let moto: Moto;
let admin: CloudWatchLogsClient;
let reader: CloudWatchBuildLogReader;

beforeAll(async () => {
  if (missing) return;
  moto = await startMoto();
  const base = { region: MOTO_REGION, endpoint: moto.endpoint };
  admin = new CloudWatchLogsClient({ ...base, credentials: moto.admin });
  for (const [group, stream] of [
    [GROUP, STREAM],
    [OTHER_GROUP, STREAM],
  ] as const) {
    await admin.send(new CreateLogGroupCommand({ logGroupName: group }));
    await admin.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  }
  const t0 = Date.now();
  await admin.send(
    new PutLogEventsCommand({
      logGroupName: GROUP,
      logStreamName: STREAM,
      // CodeBuild writes one event per line, each ending in a newline.
      logEvents: ['[Container] Entering phase BUILD\n', 'terraform plan\n', 'Plan: 1 to add\n'].map(
        (message, i) => ({ timestamp: t0 + i, message }),
      ),
    }),
  );
  await admin.send(
    new PutLogEventsCommand({
      logGroupName: OTHER_GROUP,
      logStreamName: STREAM,
      logEvents: [{ timestamp: t0, message: 'not yours\n' }],
    }),
  );
  // The web function's grant, as infra/signoff-stack.ts writes it: the group ARN with `:*`.
  const grant: IamStatement = {
    Effect: 'Allow',
    Action: 'logs:GetLogEvents',
    Resource: `arn:aws:logs:${MOTO_REGION}:${MOTO_ACCOUNT}:log-group:${GROUP}:*`,
  };
  const iam = new IAMClient({ ...base, credentials: moto.admin });
  await iam.send(new CreateUserCommand({ UserName: 'web' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'web',
      PolicyName: 'build-logs',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        // moto evaluates the action against "*"; the resource is checked below.
        Statement: [{ ...grant, Resource: '*' }],
      }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'web' }))).AccessKey;
  const web = new CloudWatchLogsClient({
    ...base,
    credentials: { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' },
  });
  web.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { logGroupName?: string; logStreamName?: string };
      const resource = `arn:aws:logs:${MOTO_REGION}:${MOTO_ACCOUNT}:log-group:${input.logGroupName}:log-stream:${input.logStreamName}`;
      if (!isAllowed([grant], { action: 'logs:GetLogEvents', resource })) {
        throw Object.assign(new Error(`not authorized to perform logs:GetLogEvents on ${resource}`), {
          name: 'AccessDeniedException',
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'iamResourceCheck' },
  );
  reader = new CloudWatchBuildLogReader(web, { 'signoff-site-plan': GROUP, 'signoff-other': OTHER_GROUP });
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe.skipIf(Boolean(missing))('CloudWatchBuildLogReader', () => {
  it('reads a build’s stream from its head, page by page, each line without its newline', async () => {
    const first = await reader.read(BUILD, undefined, 2);
    expect(first?.lines).toEqual(['[Container] Entering phase BUILD', 'terraform plan']);
    const second = await reader.read(BUILD, first?.next, 2);
    expect(second?.lines).toEqual(['Plan: 1 to add']);
    // At the end of the stream GetLogEvents hands back the token it was given.
    const end = await reader.read(BUILD, second?.next, 2);
    expect(end).toEqual({ lines: [], next: second?.next });
  });

  it('picks up events written after the last read', async () => {
    const before = await reader.read(BUILD, undefined, 100);
    await admin.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: STREAM,
        logEvents: [{ timestamp: Date.now() + 10, message: '[Container] Build SUCCEEDED\n' }],
      }),
    );
    const after = await reader.read(BUILD, before?.next, 100);
    expect(after?.lines).toEqual(['[Container] Build SUCCEEDED']);
  });

  it('has no log for a build whose stream does not exist (yet), or whose project it does not know', async () => {
    expect(
      await reader.read('signoff-site-plan:99999999-0000-4000-8000-000000000000', undefined, 10),
    ).toBeUndefined();
    expect(await reader.read(`signoff-unknown:${STREAM}`, undefined, 10)).toBeUndefined();
    expect(await reader.read('no-colon', undefined, 10)).toBeUndefined();
  });

  it('refuses a position that is not a CloudWatch Logs token', async () => {
    await expect(reader.read(BUILD, 'not a token!', 10)).rejects.toBeInstanceOf(InvalidLogCursorError);
  });

  it('is refused the stream of a log group the web function was not granted', async () => {
    await expect(reader.read(`signoff-other:${STREAM}`, undefined, 10)).rejects.toMatchObject({
      name: expect.stringMatching(/AccessDenied/),
    });
  });
});
