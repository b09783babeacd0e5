/**
 * The SES sandbox in front of the SES emulator: SendEmail to or from an address that is not a
 * verified identity is refused as SES refuses it, everything else passes through to the emulator.
 *
 * AWS documents the refusal and the stand-in answers exactly that, no kinder:
 * - SES v2 API reference, SendEmail, "Errors": MessageRejected, "The message can't be sent
 *   because it contains invalid content", HTTP status code 400
 *   (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html).
 * - SES developer guide, "Request production access (Moving out of the Amazon SES sandbox)": in the
 *   sandbox you can only send mail to verified email addresses and domains
 *   (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html).
 * - AWS knowledge center, "Why am I getting a 554 or 400 'Message rejected' error with an 'Email
 *   address is not verified' message from Amazon SES?": through the API the error is 400 Message
 *   rejected, "Email address is not verified. The following identities failed the check in region
 *   REGION: identity0, identity1, identity2"
 *   (https://repost.aws/knowledge-center/ses-554-400-message-rejected-error).
 * The error travels as SES v2's REST-JSON protocol carries errors: the code in the
 * `x-amzn-ErrorType` header and `{"message": ...}` as the JSON body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';

/** A running sandbox with a real SESv2 client pointed at it. */
export interface SesSandbox {
  endpoint: string;
  client: SESv2Client;
  /** SendEmail calls refused, with the identities that failed the check. */
  rejected: { identities: string[] }[];
  stop(): Promise<void>;
}

/** SES names the region in capitals in this message. */
const REGION = 'us-east-1';

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the sandbox on 127.0.0.1, in front of the emulator at `upstream`; `verified` are the verified identities. */
export async function startSesSandbox(upstream: string, verified: string[]): Promise<SesSandbox> {
  const identities = new Set(verified.map((v) => v.toLowerCase()));
  const isVerified = (address: string) => {
    const email = (/<([^>]+)>/.exec(address)?.[1] ?? address).trim().toLowerCase();
    // A verified domain covers every address at it.
    return identities.has(email) || identities.has(email.split('@')[1] ?? '');
  };
  const rejected: SesSandbox['rejected'] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (req.method === 'POST' && req.url === '/v2/email/outbound-emails') {
      const request = JSON.parse(body.toString('utf8') || '{}') as {
        FromEmailAddress?: string;
        Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
      };
      const d = request.Destination ?? {};
      const addresses = [
        request.FromEmailAddress ?? '',
        ...(d.ToAddresses ?? []),
        ...(d.CcAddresses ?? []),
        ...(d.BccAddresses ?? []),
      ];
      const failed = addresses.filter((a) => a && !isVerified(a));
      if (failed.length > 0) {
        rejected.push({ identities: failed });
        res.writeHead(400, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'MessageRejected',
          'x-amzn-requestid': crypto.randomUUID(),
        });
        res.end(
          JSON.stringify({
            message: `Email address is not verified. The following identities failed the check in region ${REGION.toUpperCase()}: ${failed.join(', ')}`,
          }),
        );
        return;
      }
    }
    const headers: Record<string, string> = {};
    const hopByHop = new Set(['host', 'connection', 'content-length', 'transfer-encoding']);
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !hopByHop.has(k)) headers[k] = v;
    const answer = await fetch(`${upstream}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: new Uint8Array(body) }),
    });
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SESv2Client({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    endpoint,
    client,
    rejected,
    stop: () =>
      new Promise<void>((done) => {
        client.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
