import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Request } from './requests.ts';
import { isSfnError, SfnError } from './sfn-error.ts';

/** One API operation: the parsed request body in, the response body out. */
export type Operation = (request: Request) => unknown;

const TARGET_PREFIX = 'AWSStepFunctions.';
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/**
 * An HTTP server speaking the AWS JSON 1.0 protocol: `POST /` with `X-Amz-Target:
 * AWSStepFunctions.<Operation>`; errors are HTTP 400 with `{"__type", "message"}`.
 */
export function createSfnHttpServer(
  operations: Record<string, Operation>,
  onInternalError: (error: unknown) => void,
): Server {
  return createServer((req, res) => {
    handle(req, operations)
      .then((body) => send(res, 200, body))
      .catch((error: unknown) => {
        if (isSfnError(error)) {
          send(res, 400, { __type: error.code, message: error.message }, error.code);
          return;
        }
        onInternalError(error);
        send(
          res,
          500,
          { __type: 'InternalFailure', message: 'The local Step Functions server failed' },
          'InternalFailure',
        );
      });
  });
}

async function handle(req: IncomingMessage, operations: Record<string, Operation>): Promise<unknown> {
  const target = req.headers['x-amz-target'];
  const name =
    typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const operation = req.method === 'POST' ? operations[name] : undefined;
  if (!operation) {
    throw new SfnError(
      'UnknownOperationException',
      `Unknown operation: ${typeof target === 'string' ? target : '(none)'}`,
    );
  }
  const text = await readBody(req);
  let request: unknown;
  try {
    request = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new SfnError('SerializationException', 'The request body is not valid JSON');
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new SfnError('SerializationException', 'The request body must be a JSON object');
  }
  return operation(request as Request);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SfnError('ValidationException', 'The request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  // The JSON protocol carries timestamps as epoch seconds.
  const text = JSON.stringify(body ?? {}, function replace(this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
  const headers: Record<string, string | number> = {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers).end(text);
}
