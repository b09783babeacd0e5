/**
 * The AWS endpoint the functions under test call: a proxy in front of moto (and of the local
 * Step Functions server, which runs the executions), adding what moto does not model:
 * - resource-level IAM for every service but S3 (moto checks only actions there), with the
 *   denial each service documents (DynamoDB, Secrets Manager, Step Functions: 400
 *   AccessDeniedException; SES v2 and Scheduler: 403 AccessDeniedException);
 * - S3's answer to a GET of a missing key by a caller without s3:ListBucket: 403 AccessDenied,
 *   not 404 NoSuchKey ("If you don't have the s3:ListBucket permission, Amazon S3 returns an
 *   HTTP status code 403 Access Denied error", GetObject API reference, Permissions:
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html). moto answers 404;
 * - the emails SES accepted, so a test can open the link an approver got.
 */
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsWorld } from './aws-world.ts';
import { type IamRequest, isAllowed } from './iam-policy.ts';
import { MOTO_ACCOUNT, MOTO_REGION } from './moto.ts';

/** A call a function made without the grant for it. */
export interface Denial {
  role: string;
  action: string;
  resource: string;
}

/** A call a function was allowed to make, as IAM authorized it. */
export interface Granted {
  role: string;
  action: string;
  /** The resources of which one had to be allowed; undefined where the request names none. */
  anyOf: (string | undefined)[];
  context?: Record<string, string>;
}

/** An email SES accepted. */
export interface SentEmail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** A failure the proxy answers instead of the service, as AWS documents it (throttling, for instance). */
export interface Fault {
  action: string;
  /** Only requests whose resource matches; default every one. */
  resource?: RegExp;
  status: number;
  /** The service's error code (`ThrottlingException`, `SlowDown`). */
  code: string;
}

/** The running proxy. */
export interface AwsGate {
  endpoint: string;
  denials: Denial[];
  /** Every call that was allowed: what the grants are needed for. */
  granted: Granted[];
  emails: SentEmail[];
  /** Answers matching calls with the fault until the returned function is called. */
  inject(fault: Fault): () => void;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;
// A request as IAM authorizes it: each entry must be allowed; `anyOf` lists resources of which one suffices.
type Authorization = Omit<Granted, 'role'>;

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${MOTO_REGION}:${MOTO_ACCOUNT}:${resource}`;

/** The S3 bucket and key of a path-style request. */
function s3Target(path: string): { bucket: string; key: string } {
  const [bucket = '', ...key] = decodeURIComponent(path.split('?')[0] ?? '')
    .slice(1)
    .split('/');
  return { bucket, key: key.join('/') };
}

/** What IAM authorizes for one request (S3 object reads and writes are checked by moto too). */
function authorizationsOf(
  service: string,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Json,
  world: AwsWorld,
): Authorization[] {
  const target = String(headers['x-amz-target'] ?? '');
  const op = target.split('.').pop() ?? '';
  if (service === 'dynamodb') {
    const table = (name: unknown, index?: unknown) =>
      arn('dynamodb', `table/${String(name)}${index ? `/index/${String(index)}` : ''}`);
    const tables = body.RequestItems
      ? Object.keys(body.RequestItems as Json).map((t) => table(t))
      : [table(body.TableName, body.IndexName)];
    return tables.map((t) => ({ action: `dynamodb:${op}`, anyOf: [t] }));
  }
  if (service === 'secretsmanager') {
    const id = String(body.SecretId ?? '');
    const secretArn = id.startsWith('arn:')
      ? id
      : (world.secrets.get(id) ?? arn('secretsmanager', `secret:${id}`));
    return [{ action: `secretsmanager:${op}`, anyOf: [secretArn] }];
  }
  if (service === 'states') {
    // A task token names no state machine to this proxy; AWS checks the one that issued it.
    const resource = (body.stateMachineArn ?? body.executionArn) as string | undefined;
    return [{ action: `states:${op}`, anyOf: [resource] }];
  }
  if (service === 'ses' && method === 'POST' && path.startsWith('/v2/email/outbound-emails')) {
    const from = String(body.FromEmailAddress ?? '');
    const domain = from.split('@')[1] ?? '';
    return [
      { action: 'ses:SendEmail', anyOf: [arn('ses', `identity/${from}`), arn('ses', `identity/${domain}`)] },
    ];
  }
  if (service === 'scheduler') {
    const name = decodeURIComponent(path.split('?')[0]?.split('/')[2] ?? '');
    const group = String(
      body.GroupName ?? new URL(path, 'http://x').searchParams.get('groupName') ?? 'default',
    );
    const verb = {
      POST: 'CreateSchedule',
      GET: 'GetSchedule',
      PUT: 'UpdateSchedule',
      DELETE: 'DeleteSchedule',
    }[method];
    const out: Authorization[] = [
      { action: `scheduler:${verb}`, anyOf: [arn('scheduler', `schedule/${group}/${name}`)] },
    ];
    const role = (body.Target as Json | undefined)?.RoleArn;
    if (role) {
      out.push({
        action: 'iam:PassRole',
        anyOf: [String(role)],
        context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      });
    }
    return out;
  }
  if (service === 's3') {
    const { bucket, key } = s3Target(path);
    const query = new URL(path, 'http://x').searchParams;
    if (!key) {
      // Listing versions is its own action, limited by s3:prefix like ListBucket (Service
      // Authorization Reference, "Actions, resources, and condition keys for Amazon S3").
      if (method === 'GET' && query.has('versions')) {
        return [
          {
            action: 's3:ListBucketVersions',
            anyOf: [`arn:aws:s3:::${bucket}`],
            context: { 's3:prefix': query.get('prefix') ?? '' },
          },
        ];
      }
      return [];
    }
    const object = `arn:aws:s3:::${bucket}/${key}`;
    if (method === 'PUT') {
      // A PUT that sets a retention or a legal hold also needs s3:PutObjectRetention or
      // s3:PutObjectLegalHold (Amazon S3 User Guide, "Object Lock considerations", "Permissions");
      // a bucket's default retention needs neither.
      const out: Authorization[] = [{ action: 's3:PutObject', anyOf: [object] }];
      if (headers['x-amz-object-lock-mode'] || headers['x-amz-object-lock-retain-until-date'])
        out.push({ action: 's3:PutObjectRetention', anyOf: [object] });
      if (headers['x-amz-object-lock-legal-hold'])
        out.push({ action: 's3:PutObjectLegalHold', anyOf: [object] });
      return out;
    }
    // A request naming a version needs the *Version action (GetObject, DeleteObject API references).
    const versioned = query.has('versionId');
    const action =
      method === 'DELETE'
        ? versioned
          ? 's3:DeleteObjectVersion'
          : 's3:DeleteObject'
        : versioned
          ? 's3:GetObjectVersion'
          : 's3:GetObject';
    return [{ action, anyOf: [object] }];
  }
  return [];
}

function denied(service: string, message: string): { status: number; headers: Json; body: string } {
  if (service === 's3') {
    return {
      status: 403,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${message}</Message></Error>`,
    };
  }
  if (service === 'ses' || service === 'scheduler') {
    return {
      status: 403,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' },
      body: JSON.stringify({ message }),
    };
  }
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify({ __type: 'AccessDeniedException', message, Message: message }),
  };
}

function faulted(service: string, fault: Fault): { status: number; headers: Json; body: string } {
  if (service === 's3') {
    return {
      status: fault.status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected by the test</Message></Error>`,
    };
  }
  return {
    status: fault.status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': fault.code },
    body: JSON.stringify({ __type: fault.code, message: 'injected by the test' }),
  };
}

function forward(
  target: string,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(target);
    // The Host header stays the one the SDK signed, so moto's signature check sees the same request.
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function parseJson(body: Buffer): Json {
  try {
    const value = JSON.parse(body.toString('utf8') || '{}') as unknown;
    return value && typeof value === 'object' ? (value as Json) : {};
  } catch {
    return {};
  }
}

function recordEmail(body: Json, emails: SentEmail[]): void {
  const simple = ((body.Content as Json | undefined)?.Simple ?? {}) as Json;
  const part = (name: string) =>
    String(((simple.Body as Json | undefined)?.[name] as Json | undefined)?.Data ?? '');
  emails.push({
    from: String(body.FromEmailAddress ?? ''),
    to: ((body.Destination as Json | undefined)?.ToAddresses as string[] | undefined) ?? [],
    subject: String((simple.Subject as Json | undefined)?.Data ?? ''),
    text: part('Text'),
    html: part('Html'),
  });
}

/** Starts the proxy; `sfnEndpoint` serves Step Functions, moto everything else. */
export async function startAwsGate(options: {
  world: AwsWorld;
  motoEndpoint: string;
  sfnEndpoint: string;
}): Promise<AwsGate> {
  const { world } = options;
  const denials: Denial[] = [];
  const granted: Granted[] = [];
  const faults = new Set<Fault>();
  const emails: SentEmail[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const method = req.method ?? 'GET';
        const path = req.url ?? '/';
        const auth = String(req.headers.authorization ?? '');
        const [key, , , service = ''] =
          /Credential=([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\//.exec(auth)?.slice(1) ?? [];
        const role = key ? world.roleOfKey.get(key) : undefined;
        const send = (status: number, headers: Json, body: string | Buffer) => {
          res.writeHead(status, headers as never);
          res.end(body);
        };
        const body = service === 's3' ? {} : parseJson(raw);
        if (role) {
          const statements = world.statements.get(role) ?? [];
          for (const auth of authorizationsOf(service, method, path, req.headers, body, world)) {
            const ok = auth.anyOf.some((resource) =>
              isAllowed(statements, { action: auth.action, resource, context: auth.context } as IamRequest),
            );
            if (!ok) {
              const resource = auth.anyOf.filter(Boolean).join(' or ') || '*';
              denials.push({ role, action: auth.action, resource });
              const d = denied(
                service,
                `User: ${role} is not authorized to perform: ${auth.action} on resource: ${resource}`,
              );
              return send(d.status, d.headers, d.body);
            }
            granted.push({ role, ...auth });
          }
        }
        for (const fault of faults) {
          const hit = authorizationsOf(service, method, path, req.headers, body, world).some(
            (a) =>
              a.action === fault.action &&
              (!fault.resource || a.anyOf.some((r) => r && fault.resource?.test(r))),
          );
          if (hit) {
            const f = faulted(service, fault);
            return send(f.status, f.headers, f.body);
          }
        }
        const target = service === 'states' ? options.sfnEndpoint : options.motoEndpoint;
        const out = await forward(target, method, path, req.headers, raw);
        if (role && service === 's3' && (method === 'GET' || method === 'HEAD') && out.status === 404) {
          const { bucket, key: objectKey } = s3Target(path);
          // Which s3:prefix S3 puts in the request context here is not documented; S3 answering 404
          // to a ListBucket grant conditioned on the key's prefix is observed (kopia PR #3072) and
          // is how Ceph RGW matches AWS (ceph PR #68577): the object key is the s3:prefix.
          const listing: Authorization = {
            action: 's3:ListBucket',
            anyOf: [`arn:aws:s3:::${bucket}`],
            context: { 's3:prefix': objectKey },
          };
          const mayList = isAllowed(world.statements.get(role) ?? [], {
            action: listing.action,
            resource: listing.anyOf[0],
            context: listing.context,
          } as IamRequest);
          if (mayList) granted.push({ role, ...listing });
          if (objectKey && !mayList) {
            denials.push({
              role,
              action: 's3:ListBucket (missing key answered 403)',
              resource: `${bucket}/${objectKey}`,
            });
            const d = denied('s3', 'Access Denied');
            return send(d.status, d.headers, method === 'HEAD' ? '' : d.body);
          }
        }
        if (out.status === 403 && service !== 's3' && /<\?xml|<Error/.test(out.body.toString('utf8'))) {
          // moto answers an IAM denial for JSON services in IAM's XML; the SDKs expect the service's JSON.
          denials.push({ role: role ?? key ?? '?', action: `${service} (moto)`, resource: path });
          const d = denied(service, out.body.toString('utf8').replace(/\s+/g, ' ').slice(0, 300));
          return send(d.status, d.headers, d.body);
        }
        if (service === 'ses' && out.status === 200 && path.startsWith('/v2/email/outbound-emails'))
          recordEmail(body, emails);
        const headers = { ...out.headers };
        delete headers['transfer-encoding'];
        send(out.status, headers as Json, out.body);
      })().catch((error: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`aws gate: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    denials,
    granted,
    emails,
    inject(fault) {
      faults.add(fault);
      return () => faults.delete(fault);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
