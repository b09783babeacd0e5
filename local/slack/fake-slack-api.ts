/**
 * A small stand-in for the Slack Web API (the methods signoff calls), on 127.0.0.1: it keeps the
 * messages in memory (and optionally in a JSON file), so a client pointed at it with `slackApiUrl`
 * posts, updates and looks people up as it would against Slack. It answers as Slack documents the
 * Web API (docs.slack.dev/apis/web-api): HTTP 200 with `ok: false` and Slack's error code for a
 * refused call, and HTTP 429 with `Retry-After` in seconds for a rate-limited one
 * (docs.slack.dev/apis/web-api/rate-limits).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Slack workspace member the fake knows (for `users.info`). */
export interface FakeSlackUser {
  id: string;
  email: string;
  name: string;
}

/** A message as the fake keeps it. */
export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  posted_at: string;
  updated_at?: string;
  /** How many times chat.update changed it. */
  updates: number;
}

/** A message only one user sees. */
export interface FakeSlackEphemeral {
  channel: string;
  user: string;
  text: string;
  at: string;
}

/** One Web API call the fake received (arguments without the token). */
export interface FakeSlackCall {
  method: string;
  args: Record<string, unknown>;
}

/** Options of `startFakeSlackApi`. */
export interface FakeSlackOptions {
  /** The only bot token accepted; any `xoxb-` token when unset. */
  botToken?: string;
  users?: FakeSlackUser[];
  /** Keeps messages and ephemerals in this JSON file across restarts. */
  dataFile?: string;
  /** Bind port (0 = random). */
  port?: number;
}

/** A running fake. */
export interface FakeSlackApi {
  /** The Slack client's `slackApiUrl` (ends in `/`). */
  apiUrl: string;
  messages: FakeSlackMessage[];
  ephemerals: FakeSlackEphemeral[];
  calls: FakeSlackCall[];
  users: FakeSlackUser[];
  /** Channel names (as posted to) by the id the fake gave them. */
  channelNames: Map<string, string>;
  /** The next call of `method` answers `{ ok: false, error }`. */
  failNext(method: string, error?: string): void;
  /**
   * The next call of `method` answers with this HTTP status instead: 429 with `Retry-After` (as
   * Slack rate-limits), or a 5xx as an outage would.
   */
  failHttpNext(method: string, status: number, retryAfterSeconds?: number): void;
  /** Makes every call wait this long before answering (slow-Slack tests). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

type Args = Record<string, unknown>;

function parseArgs(body: string, contentType: string | undefined): Args {
  if (contentType?.includes('application/json')) return JSON.parse(body || '{}') as Args;
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(body)) args[key] = value;
  return args;
}

function blocksOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value) {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed;
  }
  return [];
}

function idFor(prefix: string, name: string): string {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `${prefix}${hash.toString(36).toUpperCase().padStart(8, '0')}`;
}

/** Starts the fake on 127.0.0.1. */
export async function startFakeSlackApi(options: FakeSlackOptions = {}): Promise<FakeSlackApi> {
  const stored =
    options.dataFile && existsSync(options.dataFile)
      ? (JSON.parse(readFileSync(options.dataFile, 'utf8')) as {
          messages?: FakeSlackMessage[];
          ephemerals?: FakeSlackEphemeral[];
          channels?: [string, string][];
        })
      : {};
  const messages: FakeSlackMessage[] = stored.messages ?? [];
  const ephemerals: FakeSlackEphemeral[] = stored.ephemerals ?? [];
  const channelNames = new Map<string, string>(stored.channels ?? []);
  const calls: FakeSlackCall[] = [];
  const users = [...(options.users ?? [])];
  const failures = new Map<string, string[]>();
  const httpFailures = new Map<string, { status: number; retryAfterSeconds?: number }[]>();
  let delayMs = 0;
  let counter = 0;

  const save = () => {
    if (!options.dataFile) return;
    const tmp = `${options.dataFile}.${randomUUID()}.tmp`;
    writeFileSync(tmp, JSON.stringify({ messages, ephemerals, channels: [...channelNames] }));
    renameSync(tmp, options.dataFile);
  };
  const nextTs = () => {
    counter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(counter).padStart(6, '0')}`;
  };
  const channelId = (channel: string): string => {
    const name = channel.replace(/^#/, '');
    if (/^[CDG][A-Z0-9]+$/.test(name)) return name;
    if (/^[UW][A-Z0-9]+$/.test(name)) return `D${name.slice(1)}`;
    const id = idFor('C', name);
    channelNames.set(id, name);
    return id;
  };

  const methods: Record<string, (args: Args) => Args> = {
    'auth.test': () => ({ user_id: 'USIGNOFF', team_id: 'TLOCAL', bot_id: 'BSIGNOFF', team: 'local' }),
    'conversations.open': (args) => {
      const user = String(args.users ?? '').split(',')[0] ?? '';
      if (!/^[UW][A-Z0-9]+$/.test(user)) return { ok: false, error: 'user_not_found' };
      return { channel: { id: `D${user.slice(1)}` } };
    },
    'chat.postMessage': (args) => {
      if (!args.channel) return { ok: false, error: 'channel_not_found' };
      const message: FakeSlackMessage = {
        channel: channelId(String(args.channel)),
        ts: nextTs(),
        text: String(args.text ?? ''),
        blocks: blocksOf(args.blocks),
        posted_at: new Date().toISOString(),
        updates: 0,
      };
      messages.push(message);
      save();
      return { channel: message.channel, ts: message.ts, message: { text: message.text } };
    },
    'chat.update': (args) => {
      const message = messages.find((m) => m.channel === args.channel && m.ts === args.ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      message.text = String(args.text ?? message.text);
      if (args.blocks !== undefined) message.blocks = blocksOf(args.blocks);
      message.updated_at = new Date().toISOString();
      message.updates += 1;
      save();
      return { channel: message.channel, ts: message.ts };
    },
    'chat.postEphemeral': (args) => {
      if (!args.channel || !args.user) return { ok: false, error: 'channel_not_found' };
      ephemerals.push({
        channel: String(args.channel),
        user: String(args.user),
        text: String(args.text ?? ''),
        at: new Date().toISOString(),
      });
      save();
      return { message_ts: nextTs() };
    },
    'users.info': (args) => {
      const user = users.find((u) => u.id === args.user);
      if (!user) return { ok: false, error: 'user_not_found' };
      return {
        user: {
          id: user.id,
          name: user.name,
          real_name: user.name,
          profile: { email: user.email, real_name: user.name },
        },
      };
    },
  };

  const answer = (res: ServerResponse, body: Args) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, ...body }));
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const tokenOk = options.botToken ? token === options.botToken : token?.startsWith('xoxb-') === true;
    if (!tokenOk) return answer(res, { ok: false, error: 'invalid_auth' });
    const handler = methods[method];
    if (req.method !== 'POST' || !handler) return answer(res, { ok: false, error: 'unknown_method' });
    let args: Args;
    try {
      args = parseArgs(Buffer.concat(chunks).toString('utf8'), req.headers['content-type']);
    } catch {
      return answer(res, { ok: false, error: 'invalid_json' });
    }
    delete args.token;
    calls.push({ method, args });
    const httpFailure = httpFailures.get(method)?.shift();
    if (httpFailure) {
      const retryAfter = httpFailure.retryAfterSeconds;
      res.writeHead(httpFailure.status, {
        'content-type': 'application/json',
        ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
      });
      res.end(
        JSON.stringify({ ok: false, error: httpFailure.status === 429 ? 'ratelimited' : 'fatal_error' }),
      );
      return;
    }
    const failure = failures.get(method)?.shift();
    if (failure) return answer(res, { ok: false, error: failure });
    try {
      answer(res, handler(args));
    } catch {
      answer(res, { ok: false, error: 'invalid_arguments' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    messages,
    ephemerals,
    calls,
    users,
    channelNames,
    failNext(method, error = 'internal_error') {
      failures.set(method, [...(failures.get(method) ?? []), error]);
    },
    failHttpNext(method, status, retryAfterSeconds) {
      const failure = retryAfterSeconds === undefined ? { status } : { status, retryAfterSeconds };
      httpFailures.set(method, [...(httpFailures.get(method) ?? []), failure]);
    },
    setDelay(ms) {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
