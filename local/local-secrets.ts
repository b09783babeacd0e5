/**
 * The local runtime's secrets: generated once into `.signoff/secrets.json` (mode 0600), with
 * Slack credentials from the environment when set, and http-step secrets that nobody filled
 * pointing at the local notification sink so the demo's notify steps have somewhere to post.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { FileSecrets } from '../functions/adapters/file-secrets.ts';
import type { Secrets } from '../functions/core/ports.ts';
import type { Workflow } from '../statemachines/schema.ts';

/** The secret names a set of workflows needs, besides Slack's. */
export function generatedSecretNames(workflows: Workflow[]): string[] {
  const names = new Set([
    'link-signing-key',
    'github-webhook-secret',
    'slack-signing-secret',
    'oidc-client-secret',
  ]);
  for (const w of workflows)
    if (w.triggers.webhook) names.add(w.triggers.webhook.secret ?? `webhook-${w.name}`);
  return [...names].sort();
}

/** Creates or completes the secrets file: existing values are kept, missing ones generated. */
export function ensureSecretsFile(path: string, names: string[]): void {
  const current = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
  let changed = !existsSync(path);
  for (const name of names) {
    if (!current[name]) {
      current[name] = randomBytes(32).toString('base64url');
      changed = true;
    }
  }
  if (changed) writeFileSync(path, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Secrets for the local runtime: the environment's Slack and GitHub settings, then the file, then the sink. */
export function createLocalSecrets(options: {
  file: string;
  env: Record<string, string | undefined>;
  httpSecretNames: string[];
  sinkUrl: () => string;
  /** The local Slack stand-in's bot token, when no real Slack is configured. */
  localSlackToken?: () => string | undefined;
}): Secrets {
  const file = new FileSecrets(options.file);
  const fromEnv: Record<string, string | undefined> = {
    'slack-bot-token': options.env.SLACK_BOT_TOKEN,
    'slack-signing-secret': options.env.SLACK_SIGNING_SECRET,
    // A real GitHub App instead of the local stand-in's (README, "Report back to GitHub").
    'github-app-id': options.env.GITHUB_APP_ID,
    'github-app-private-key': options.env.GITHUB_APP_PRIVATE_KEY,
    // A real identity provider's client secret (README, "Sign in with your identity provider").
    'oidc-client-secret': options.env.SIGNOFF_OIDC_CLIENT_SECRET,
  };
  return {
    async get(name) {
      const env = fromEnv[name] ?? (name === 'slack-bot-token' ? options.localSlackToken?.() : undefined);
      if (env) return env;
      const value = await file.get(name);
      if (value) return value;
      return options.httpSecretNames.includes(name) ? options.sinkUrl() : undefined;
    },
  };
}
