import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../../functions/adapters/s3-artifact-store.ts';

/**
 * The slice of the S3 REST API the store uses (path-style PutObject and GetObject), in memory.
 * A missing key answers 404 NoSuchKey only when the caller may list the bucket (`canList`), else
 * 403 AccessDenied, as S3 does (GetObject API reference, "Permissions":
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
 */
function startFakeS3(canList: () => boolean): Promise<{
  server: Server;
  endpoint: string;
  objects: Map<string, { body: Buffer; type?: string }>;
}> {
  const objects = new Map<string, { body: Buffer; type?: string }>();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PUT') {
        objects.set(path, { body: Buffer.concat(chunks), type: req.headers['content-type'] });
        res.writeHead(200, { ETag: '"e"' }).end();
        return;
      }
      const object = objects.get(path);
      if (req.method === 'GET' && object) {
        res.writeHead(200, { 'Content-Type': object.type ?? 'application/octet-stream' }).end(object.body);
        return;
      }
      if (!canList()) {
        res
          .writeHead(403, { 'Content-Type': 'application/xml' })
          .end(
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
          );
        return;
      }
      res
        .writeHead(404, { 'Content-Type': 'application/xml' })
        .end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
        );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, objects }),
    ),
  );
}

let fake: Awaited<ReturnType<typeof startFakeS3>>;
let store: S3ArtifactStore;
let mayList = true;

beforeAll(async () => {
  fake = await startFakeS3(() => mayList);
  const client = new S3Client({
    endpoint: fake.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  store = new S3ArtifactStore(client, 'signoff-artifacts');
});

afterAll(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

describe('S3ArtifactStore', () => {
  it('puts objects under the bucket with a content type from the key, and gets them back', async () => {
    await store.put('runs/r1/plan/summary.json', '{"ok":true}');
    await store.put('runs/r1/plan/log.txt', 'hello\n');
    await store.put('runs/r1/plan/plan.tfplan', new Uint8Array([80, 75, 3, 4]));
    expect(fake.objects.get('/signoff-artifacts/runs/r1/plan/summary.json')?.type).toBe('application/json');
    expect(fake.objects.get('/signoff-artifacts/runs/r1/plan/log.txt')?.type).toBe(
      'text/plain; charset=utf-8',
    );
    expect(new TextDecoder().decode(await store.get('runs/r1/plan/summary.json'))).toBe('{"ok":true}');
    expect(await store.get('runs/r1/plan/plan.tfplan')).toEqual(new Uint8Array([80, 75, 3, 4]));
  });

  it('answers undefined for a missing key (S3 NoSuchKey, for a role with s3:ListBucket)', async () => {
    mayList = true;
    expect(await store.get('runs/none/plan/plan.json')).toBeUndefined();
  });

  // Issue 11, defect 1: after a clean apply summarize-step reads drift.json, which is not there;
  // without s3:ListBucket S3 answers 403, and a store that took that for "missing" hid it.
  it('throws on a 403 for a missing key without s3:ListBucket, naming the grant, never answering "missing"', async () => {
    mayList = false;
    await expect(store.get('runs/r1/apply/drift.json')).rejects.toThrow(
      'access denied reading s3://signoff-artifacts/runs/r1/apply/drift.json: the role needs s3:GetObject on the key and s3:ListBucket on the bucket',
    );
    mayList = true;
  });
});
