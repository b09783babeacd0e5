/**
 * A tiny HTTP server on a random loopback port that records AWS SDK requests and answers each
 * with the next scripted response (for adapter tests of Step Functions and EventBridge Scheduler).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A scripted response. */
export interface FakeResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Starts the fake; responses are used in order, then `fallback`. */
export async function startFakeAwsServer(fallback: FakeResponse = { status: 200, body: {} }) {
  const requests: RecordedRequest[] = [];
  const script: FakeResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const response = script.shift() ?? fallback;
      res.writeHead(response.status, { 'content-type': 'application/x-amz-json-1.0', ...response.headers });
      res.end(JSON.stringify(response.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    respond: (...responses: FakeResponse[]) => script.push(...responses),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
