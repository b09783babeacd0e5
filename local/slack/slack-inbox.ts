/**
 * The local Slack inbox page (`/dev/slack`): every message the fake Slack API holds, its blocks as
 * plain HTML, and working Approve / Reject buttons that post a signed click for a chosen person.
 */
import type { FakeSlackEphemeral, FakeSlackMessage, FakeSlackUser } from './fake-slack-api.ts';

/** What the page shows besides the messages. */
export interface SlackInboxOptions {
  users: FakeSlackUser[];
  ephemerals?: FakeSlackEphemeral[];
  channelNames?: Map<string, string>;
  /** The Slack user the buttons click as. */
  actingAs?: string;
  /** Where the button forms post. */
  clickPath?: string;
  /** Where the "act as" form reloads the page. */
  pagePath?: string;
  /** Anti-forgery token the click forms carry. */
  csrf?: string;
  /** A line about the last click's result. */
  notice?: string;
}

type Block = Record<string, unknown>;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Renders Slack mrkdwn (links, mentions, dates, *bold*, line breaks) as safe HTML. */
export function mrkdwnToHtml(text: string, users: FakeSlackUser[] = []): string {
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(/<([^<>]*)>/g)) {
    parts.push(plain(text.slice(last, match.index)));
    parts.push(control(match[1] ?? '', users));
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(plain(text.slice(last)));
  return parts.join('');
}

function plain(text: string): string {
  return escapeHtml(unescapeSlack(text))
    .replace(/\*([^*\n]+)\*/g, '<strong>$1</strong>')
    .replace(/\n/g, '<br>');
}

function control(inner: string, users: FakeSlackUser[]): string {
  const [target = '', label] = inner.split('|', 2);
  if (target.startsWith('!date^')) return escapeHtml(unescapeSlack(label ?? target));
  if (target.startsWith('@')) {
    const user = users.find((u) => u.id === target.slice(1));
    return `<span class="mention">@${escapeHtml(user?.name ?? target.slice(1))}</span>`;
  }
  const url = unescapeSlack(target);
  if (/^https?:\/\//.test(url)) {
    return `<a href="${escapeHtml(url)}">${escapeHtml(unescapeSlack(label ?? url))}</a>`;
  }
  return escapeHtml(unescapeSlack(inner));
}

function textOf(value: unknown, users: FakeSlackUser[]): string {
  const t = value as { type?: string; text?: string } | undefined;
  if (!t?.text) return '';
  return t.type === 'mrkdwn' ? mrkdwnToHtml(t.text, users) : escapeHtml(t.text);
}

function renderButton(element: Block, message: FakeSlackMessage, options: SlackInboxOptions): string {
  const label = textOf(element.text, options.users);
  const style = typeof element.style === 'string' ? ` ${element.style}` : '';
  if (typeof element.url === 'string') {
    return `<a class="button" href="${escapeHtml(element.url)}">${label}</a>`;
  }
  if (!options.actingAs) return `<button class="button${style}" disabled>${label}</button>`;
  const confirm = element.confirm as { text?: { text?: string } } | undefined;
  const onsubmit = confirm?.text?.text
    ? ` onsubmit="return confirm(${escapeHtml(JSON.stringify(unescapeSlack(confirm.text.text).replace(/\*/g, '')))})"`
    : '';
  const hidden = {
    user: options.actingAs,
    channel: message.channel,
    ts: message.ts,
    action_id: String(element.action_id ?? ''),
    value: String(element.value ?? ''),
    csrf: options.csrf ?? '',
  };
  return `<form method="post" action="${escapeHtml(options.clickPath ?? '/dev/slack/click')}"${onsubmit}>${Object.entries(
    hidden,
  )
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
    .join('')}<button class="button${style}" type="submit">${label}</button></form>`;
}

function renderBlock(block: Block, message: FakeSlackMessage, options: SlackInboxOptions): string {
  const users = options.users;
  switch (block.type) {
    case 'header':
      return `<h3>${textOf(block.text, users)}</h3>`;
    case 'section': {
      const text = block.text ? `<p>${textOf(block.text, users)}</p>` : '';
      const fields = Array.isArray(block.fields)
        ? `<div class="fields">${block.fields.map((f) => `<div>${textOf(f, users)}</div>`).join('')}</div>`
        : '';
      return text + fields;
    }
    case 'context':
      return `<p class="context">${(Array.isArray(block.elements) ? block.elements : [])
        .map((e) => textOf(e, users))
        .join(' ')}</p>`;
    case 'actions':
      return `<div class="actions">${(Array.isArray(block.elements) ? block.elements : [])
        .map((e) => renderButton(e as Block, message, options))
        .join('')}</div>`;
    default:
      return '';
  }
}

function where(channel: string, options: SlackInboxOptions): string {
  const name = options.channelNames?.get(channel);
  if (name) return `#${name}`;
  if (channel.startsWith('D')) {
    const user = options.users.find(
      (u) => u.id === `U${channel.slice(1)}` || u.id === `W${channel.slice(1)}`,
    );
    return `Direct message${user ? ` to ${user.name}` : ''}`;
  }
  return channel;
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem;color:#1d1c1d}
.msg{border:1px solid #ddd;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}
.where{color:#555;font-size:.85rem}.fields{display:grid;grid-template-columns:1fr 1fr;gap:.4rem 1rem}
.context{color:#555;font-size:.85rem}.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin:.5rem 0}
.actions form{margin:0}.button{display:inline-block;padding:.35rem .9rem;border:1px solid #bbb;border-radius:4px;background:#fff;color:#1d1c1d;text-decoration:none;font:inherit;cursor:pointer}
.primary{background:#007a5a;border-color:#007a5a;color:#fff}.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.ephemeral{background:#f8f8f8;border-style:dashed}.notice{background:#fffbe6;border:1px solid #e8d48a;padding:.5rem;border-radius:4px}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}`;

/** The whole inbox page, newest message first. */
export function renderSlackInbox(messages: FakeSlackMessage[], options: SlackInboxOptions): string {
  const userOptions = options.users
    .map(
      (u) =>
        `<option value="${escapeHtml(u.id)}"${u.id === options.actingAs ? ' selected' : ''}>${escapeHtml(u.name)} (${escapeHtml(u.email)})</option>`,
    )
    .join('');
  const ephemerals = (options.ephemerals ?? [])
    .filter((e) => !options.actingAs || e.user === options.actingAs)
    .slice(-10)
    .reverse()
    .map((e) => {
      const user = options.users.find((u) => u.id === e.user);
      return `<div class="msg ephemeral"><p class="where">${escapeHtml(where(e.channel, options))} · only visible to ${escapeHtml(user?.name ?? e.user)}</p><p>${mrkdwnToHtml(e.text, options.users)}</p></div>`;
    })
    .join('');
  const list = [...messages]
    .reverse()
    .map(
      (m) =>
        `<article class="msg"><p class="where">${escapeHtml(where(m.channel, options))}${m.updates > 0 ? ' · edited' : ''}</p>${(
          m.blocks as Block[]
        )
          .map((b) => renderBlock(b, m, options))
          .join('')}</article>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Local Slack · signoff</title><style>${STYLE}</style></head><body>
<h1>Local Slack</h1>
<p>Messages signoff posted while no Slack bot token is configured. The buttons send signed interactions to <code>/slack/interactions</code>, as Slack would.</p>
<form method="get" action="${escapeHtml(options.pagePath ?? '/dev/slack')}"><label for="as">Click as</label> <select id="as" name="as">${userOptions}</select> <button class="button" type="submit">Switch</button> <a class="button" href="${escapeHtml(options.pagePath ?? '/dev/slack')}${options.actingAs ? `?as=${encodeURIComponent(options.actingAs)}` : ''}">Refresh</a></form>
${options.notice ? `<p class="notice" role="status">${escapeHtml(options.notice)}</p>` : ''}
${ephemerals}
${list || '<p>No messages yet.</p>'}
</body></html>`;
}
