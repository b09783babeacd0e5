/// <reference lib="dom" />
/**
 * What the browser tests share: Debian's chromium through playwright-core, screenshots for a
 * reviewer, the local runtime's SES inbox, signing in by email link, and two checks every page
 * must pass: it holds at 375 px wide (phones open approval emails) and its text meets WCAG 2.2 AA
 * contrast (1.4.3: 4.5:1, or 3:1 for large text, https://www.w3.org/TR/WCAG22/#contrast-minimum).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { StoredEmail } from '../integration/email/ses-emulator.ts';

export const CHROMIUM = '/usr/lib/chromium/chromium';
export const SHOTS = join(process.cwd(), 'test-results', 'browser');
export const PHONE = { width: 375, height: 812 };

/** Launches headless chromium; says how to install it when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A fresh context (its own cookies) with a desktop viewport unless told otherwise. */
export function newContext(
  browser: Browser,
  viewport: { width: number; height: number } = { width: 1280, height: 900 },
): Promise<BrowserContext> {
  return browser.newContext({ acceptDownloads: true, viewport });
}

/** A full-page screenshot under test-results/browser/. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The emails the local runtime's SES inbox holds. */
export async function inbox(inboxUrl: string): Promise<StoredEmail[]> {
  const response = await fetch(`${inboxUrl}/store`);
  return ((await response.json()) as { emails: StoredEmail[] }).emails;
}

/** Waits for an email matching `match` to reach the inbox. */
export async function waitForEmail(
  inboxUrl: string,
  match: (m: StoredEmail) => boolean,
  timeoutMs = 60_000,
): Promise<StoredEmail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await inbox(inboxUrl)).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error('no such email arrived');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The first word of `text` that starts with `prefix` (a link in a plain-text email). */
export function linkIn(text: string, prefix: string): string {
  const found = text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!found) throw new Error(`no link to ${prefix}`);
  return found;
}

/** Signs `email` in on `page` through the emailed sign-in link, as a person would. */
export async function signIn(
  page: Page,
  runtime: { url: string; inboxUrl: string },
  email: string,
): Promise<void> {
  const since = new Set((await inbox(runtime.inboxUrl)).map((m) => m.messageId));
  await page.goto(`${runtime.url}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  const mail = await waitForEmail(
    runtime.inboxUrl,
    (m) =>
      !since.has(m.messageId) &&
      m.subject === 'Your signoff sign-in link' &&
      m.destination.to.includes(email),
  );
  await page.goto(linkIn(mail.body.text ?? '', `${runtime.url}/signin/`));
  await page.getByRole('button', { name: 'Continue to signoff' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}

/**
 * Elements that stick out past the right edge of the viewport and are not inside a box that
 * scrolls or clips sideways (a wide table in a scrolling wrapper is fine), plus the page itself
 * when it scrolls sideways. Empty when the layout holds.
 */
export function layoutOverflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const problems: string[] = [];
    if (document.documentElement.scrollWidth > width + 1)
      problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth}px > ${width}px`);
    const clipped = (el: Element): boolean => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const overflow = getComputedStyle(p).overflowX;
        if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') return true;
      }
      return false;
    };
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.right > width + 1 && !clipped(el)) {
        const label = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
        problems.push(
          `${label} ends at ${Math.round(box.right)}px: “${(el.textContent ?? '').trim().slice(0, 60)}”`,
        );
      }
    }
    return problems.slice(0, 20);
  });
}

/**
 * Text whose contrast with the background behind it is below WCAG AA: 4.5:1, or 3:1 for large
 * text (at least 24 px, or 18.66 px bold). The background is the nearest opaque one among the
 * element and its ancestors, with translucent layers blended over it. Empty when all text passes.
 */
export function contrastFailures(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Rgba = [number, number, number, number];
    const parse = (value: string): Rgba => {
      const m = value.match(/rgba?\(([^)]+)\)/);
      if (!m) return [0, 0, 0, 0];
      const parts = (m[1] ?? '')
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
    };
    const over = (top: Rgba, bottom: Rgba): Rgba => {
      const a = top[3];
      return [
        top[0] * a + bottom[0] * (1 - a),
        top[1] * a + bottom[1] * (1 - a),
        top[2] * a + bottom[2] * (1 - a),
        1,
      ];
    };
    const background = (el: Element): Rgba => {
      const layers: Rgba[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (bg[3] >= 1) break;
      }
      let color: Rgba = [255, 255, 255, 1];
      for (const layer of layers.reverse()) color = over(layer, color);
      return color;
    };
    const luminance = ([r, g, b]: Rgba): number => {
      const channel = (c: number) => {
        const s = c / 255;
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const failures: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const ownText = Array.from(el.childNodes)
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? '')
        .join('')
        .trim();
      if (!ownText) continue;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0)
        continue;
      const bg = background(el);
      const fg = over(parse(style.color), bg);
      const [a, b] = [luminance(fg), luminance(bg)];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = Number.parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700;
      const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio + 0.005 < needed)
        failures.push(
          `“${ownText.slice(0, 40)}” (${el.tagName.toLowerCase()}): ${ratio.toFixed(2)}:1 < ${needed}:1`,
        );
    }
    return failures;
  });
}
