/**
 * A browser without JavaScript, for sign-in flows driven with fetch: a cookie jar that honours
 * paths and expiry (not hosts or ports, as browsers ignore ports for cookies), and redirects
 * followed by hand, stopping at `stopAt` when given (a redirect URI nobody serves).
 */

/** Where following redirects stopped: a page (any status but a redirect), or the `stopAt` URL. */
export type Landing = { callback: URL } | { page: string; status: number; url: URL };

export class CookieBrowser {
  readonly cookies = new Map<string, { value: string; path: string }>();

  constructor(private readonly stopAt?: string) {}

  async go(start: URL | string, init: RequestInit = {}): Promise<Landing> {
    let url = new URL(start);
    let request = init;
    for (let hop = 0; hop < 10; hop++) {
      if (this.stopAt && url.href.startsWith(this.stopAt)) return { callback: url };
      const headers = { ...(request.headers as Record<string, string>), cookie: this.cookieHeader(url) };
      const res = await fetch(url, { ...request, headers, redirect: 'manual' });
      this.keep(res);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) {
        return { page: await res.text(), status: res.status, url };
      }
      url = new URL(location, url);
      request = {};
    }
    throw new Error(`More than 10 redirects, last at ${url}`);
  }

  /** Posts a urlencoded form and follows where it leads. */
  post(url: URL | string, form: Record<string, string>): Promise<Landing> {
    return this.go(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin },
      body: new URLSearchParams(form).toString(),
    });
  }

  private cookieHeader(url: URL): string {
    return [...this.cookies]
      .filter(([, cookie]) => url.pathname.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const [name = '', value = ''] = pair.split('=');
      const attribute = (key: string) =>
        attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const expires = attribute('expires');
      const maxAge = attribute('max-age');
      if (!value || maxAge === '0' || (expires && Date.parse(expires) <= Date.now()))
        this.cookies.delete(name);
      else this.cookies.set(name, { value, path: attribute('path') ?? '/' });
    }
  }
}
