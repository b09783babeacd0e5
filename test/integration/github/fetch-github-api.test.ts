import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FetchGitHubApi, signAppJwt } from '../../../functions/adapters/fetch-github-api.ts';
import {
  type CheckRunFields,
  GITHUB_TEXT_LIMIT,
  GitHubApiError,
} from '../../../functions/core/github/github-api.ts';
import { type FakeGitHubApi, startFakeGitHubApi } from '../../../local/github/fake-github-api.ts';

const REPO = 'acme/infrastructure';
const SHA = 'a'.repeat(40);
// GitHub hands out PKCS#1 keys ("BEGIN RSA PRIVATE KEY").
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const check: CheckRunFields = {
  name: 'production-deploy-with-approval',
  status: 'queued',
  details_url: 'http://127.0.0.1:3000/runs/r1',
  external_id: 'r1',
  output: { title: 'Queued', summary: 'waiting for a project lock' },
};

let fake: FakeGitHubApi;
let api: FetchGitHubApi;

beforeEach(async () => {
  fake = await startFakeGitHubApi({ appId: '42', privateKey, repositories: [REPO] });
  api = new FetchGitHubApi({ appId: '42', privateKey }, fake.apiUrl);
});
afterEach(() => fake.close());

async function failureOf(call: Promise<unknown>): Promise<GitHubApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubApiError);
  return error as GitHubApiError;
}

describe('FetchGitHubApi against the fake GitHub API', () => {
  it('creates a check run as the installation, then moves it to completed', async () => {
    const id = await api.createCheckRun(REPO, SHA, check);
    await api.updateCheckRun(REPO, id, {
      ...check,
      status: 'completed',
      conclusion: 'success',
      output: { title: 'Succeeded', summary: 'Approved by Alice.' },
    });
    expect(fake.checkRuns).toHaveLength(1);
    expect(fake.checkRuns[0]).toMatchObject({ head_sha: SHA, status: 'completed', conclusion: 'success' });
    expect(fake.checkRuns[0]?.history.map((h) => h.status)).toEqual(['queued', 'completed']);
  });

  it('creates one comment and edits it in place', async () => {
    const id = await api.createComment(REPO, 7, 'planning…');
    await api.updateComment(REPO, id, 'approved');
    expect(fake.comments).toEqual([expect.objectContaining({ issue_number: 7, body: 'approved', edits: 1 })]);
  });

  it('is refused with 422 for a summary over 65,535 characters, and nothing is recorded', async () => {
    const error = await failureOf(
      api.createCheckRun(REPO, SHA, {
        ...check,
        output: { title: 't', summary: 'x'.repeat(GITHUB_TEXT_LIMIT + 1) },
      }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain('Validation Failed');
    expect(fake.checkRuns).toHaveLength(0);
  });

  it('refuses a completed check run without a conclusion and a comment over the limit', async () => {
    expect((await failureOf(api.createCheckRun(REPO, SHA, { ...check, status: 'completed' }))).status).toBe(
      422,
    );
    expect((await failureOf(api.createComment(REPO, 7, 'x'.repeat(GITHUB_TEXT_LIMIT + 1)))).status).toBe(422);
  });

  it('reports a rate limit with when to try again', async () => {
    fake.rateLimitNext(1, 17);
    const error = await failureOf(api.createCheckRun(REPO, SHA, check));
    expect(error.status).toBe(403);
    expect(error.retryAfterSeconds).toBe(17);
    expect(await api.createCheckRun(REPO, SHA, check)).toBeGreaterThan(0);
  });

  it('gets 401 once the app is uninstalled, and never puts a token in the error', async () => {
    const id = await api.createCheckRun(REPO, SHA, check);
    fake.uninstall(REPO);
    const error = await failureOf(api.updateCheckRun(REPO, id, check));
    expect(error.status).toBe(401);
    expect(error.message).not.toMatch(/ghs_|Bearer|token /);
    // The next call looks the installation up again, and finds none.
    expect((await failureOf(api.updateCheckRun(REPO, id, check))).status).toBe(404);
  });

  it('is refused by the fake with a JWT not signed by the app key', async () => {
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const stranger = new FetchGitHubApi({ appId: '42', privateKey: other.privateKey }, fake.apiUrl);
    expect((await failureOf(stranger.createCheckRun(REPO, SHA, check))).status).toBe(401);
  });

  it('signs its JWT as GitHub asks: RS256, issued a minute back, at most 10 minutes long, by the app', () => {
    const now = Date.parse('2026-12-05T10:00:00Z');
    const jwt = signAppJwt('7', createPrivateKey(privateKey), now);
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(claims).toEqual({ iat: now / 1000 - 60, exp: now / 1000 - 60 + 540, iss: '7' });
    const signed = Buffer.from(`${header}.${payload}`);
    expect(
      verify('RSA-SHA256', signed, createPublicKey(privateKey), Buffer.from(signature, 'base64url')),
    ).toBe(true);
  });

  it('says a private key that is not PEM is not one, without quoting it', async () => {
    const broken = new FetchGitHubApi({ appId: '7', privateKey: 'not-a-key-secret-material' }, fake.apiUrl);
    const error = await failureOf(broken.createCheckRun(REPO, SHA, check));
    expect(error.message).toBe('the GitHub App private key is not a PEM private key');
    expect(error.message).not.toContain('secret-material');
  });
});
