/**
 * The local runtime's GitHub when no GitHub App is configured: a GitHub App of its own (an id and a
 * private key generated once into the local secrets), the fake GitHub API that trusts that key, and
 * `/dev/github`, which shows the check runs and pull request comments signoff made, with every state
 * each check run went through.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { GITHUB_APP_SECRETS } from '../../functions/wiring/github.ts';
import { escapeHtml } from '../../web/html.ts';
import { send } from '../http-io.ts';
import { type FakeGitHubApi, startFakeGitHubApi } from './fake-github-api.ts';

/** The running local GitHub. */
export interface LocalGitHub {
  /** SIGNOFF_GITHUB_API_URL. */
  apiUrl: string;
  api: FakeGitHubApi;
  /** Serves `/dev/github` (HTML, or JSON with `?format=json`); false for other paths. */
  handleDevRequest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  stop(): Promise<void>;
}

/** The app id the local stand-in's app gets. */
const LOCAL_APP_ID = '1';

/** Starts the local GitHub, creating its app's key in the secrets file on first start. */
export async function createLocalGitHub(options: {
  secretsFile: string;
  dataDir: string;
}): Promise<LocalGitHub> {
  const { appId, privateKey } = ensureLocalApp(options.secretsFile);
  const api = await startFakeGitHubApi({ appId, privateKey, dataFile: join(options.dataDir, 'github.json') });
  return {
    apiUrl: api.apiUrl,
    api,
    async handleDevRequest(req, res, url) {
      if (url.pathname !== '/dev/github' || req.method !== 'GET') return false;
      if (url.searchParams.get('format') === 'json') {
        send(
          res,
          200,
          'application/json',
          JSON.stringify({ check_runs: api.checkRuns, comments: api.comments }),
        );
      } else send(res, 200, 'text/html; charset=utf-8', renderGitHubPage(api));
      return true;
    },
    stop: () => api.close(),
  };
}

/** Writes the local app's id and a fresh RSA key (PKCS#1, as GitHub hands them out) unless set. */
function ensureLocalApp(secretsFile: string): { appId: string; privateKey: string } {
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
  const appId = secrets[GITHUB_APP_SECRETS.appId];
  const existing = secrets[GITHUB_APP_SECRETS.privateKey];
  if (appId && existing) return { appId, privateKey: existing };
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  secrets[GITHUB_APP_SECRETS.appId] = LOCAL_APP_ID;
  secrets[GITHUB_APP_SECRETS.privateKey] = privateKey;
  writeFileSync(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(secretsFile, 0o600);
  return { appId: LOCAL_APP_ID, privateKey };
}

function renderGitHubPage(api: FakeGitHubApi): string {
  const checks = [...api.checkRuns]
    .reverse()
    .map((c) => {
      const states = c.history
        .map(
          (h) =>
            `<li>${escapeHtml(h.conclusion ? `${h.status} (${h.conclusion})` : h.status)}: ${escapeHtml(h.title ?? '')}</li>`,
        )
        .join('');
      const link = c.details_url ? ` · <a href="${escapeHtml(c.details_url)}">details</a>` : '';
      return `<li><h3>${escapeHtml(c.name)} on ${escapeHtml(c.repository)}@${escapeHtml(c.head_sha.slice(0, 7))}${link}</h3><ol>${states}</ol><pre>${escapeHtml(c.output?.summary ?? '')}</pre></li>`;
    })
    .join('');
  const comments = [...api.comments]
    .reverse()
    .map(
      (c) =>
        `<li><h3>${escapeHtml(c.repository)}#${c.issue_number} (edited ${c.edits} time${c.edits === 1 ? '' : 's'})</h3><pre>${escapeHtml(c.body)}</pre></li>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>GitHub (local)</title><link rel="stylesheet" href="/static/style.css"><main><h1>What signoff reported to GitHub</h1><p>The local stand-in for the GitHub API: check runs on commits and comments on pull requests, as GitHub would show them.</p><h2>Check runs</h2><ol class="sink">${checks || '<li>None yet.</li>'}</ol><h2>Pull request comments</h2><ol class="sink">${comments || '<li>None yet.</li>'}</ol></main></html>`;
}
