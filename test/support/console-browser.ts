/**
 * A browser for the staff console's tests without a real one: a cookie jar, forms posted as
 * application/x-www-form-urlencoded with the page's CSRF token, redirects followed within the console,
 * and the page's text as a person reads it. (The real-browser tests use chromium: test/integration/console-e2e.test.ts.)
 */
export interface Page {
  status: number;
  html: string;
  text: string;
  headers: Headers;
  url: string;
}

/** The text of a page as a user reads it: no tags, scripts or styles; entities decoded; spaces collapsed. */
export function textOf(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The CSRF token of the first form on the page. */
export function csrfOf(page: Page): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(page.html);
  if (!m?.[1]) throw new Error(`no CSRF token on the page (status ${page.status}): ${page.text.slice(0, 200)}`);
  return m[1];
}

export class ConsoleBrowser {
  /** name → { value, attributes } of the cookies the server set. */
  readonly cookies = new Map<string, { value: string; attributes: string }>();

  constructor(private readonly baseUrl: string) {}

  private remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, { value, attributes: attrs.join(';').trim() });
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v.value}`).join('; ');
  }

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Page> {
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]): [string, string][] => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v]]))).toString() : undefined;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    this.remember(res);
    const html = await res.text();
    return { status: res.status, html, text: textOf(html), headers: res.headers, url: path };
  }

  private async follow(page: Page): Promise<Page> {
    for (let hops = 0; page.status >= 300 && page.status < 400 && hops < 5; hops++) page = await this.request('GET', page.headers.get('location')!);
    return page;
  }

  /** GET, following redirects (as a browser does). */
  async get(path: string): Promise<Page> {
    return this.follow(await this.request('GET', path));
  }

  /** POSTs a form of `page` (its CSRF token included unless `csrf: false`), following a redirect. */
  async submit(page: Page, action: string, fields: Record<string, string | string[]>, opts: { csrf?: boolean } = {}): Promise<Page> {
    return this.follow(await this.request('POST', action, { ...(opts.csrf === false ? {} : { _csrf: csrfOf(page) }), ...fields }));
  }

  /** Signs in with a personal API key (the sign-in page's form); returns the page after sign-in. */
  async signIn(apiKey: string, next = '/console'): Promise<Page> {
    const form = await this.get(`/console/sign-in?next=${encodeURIComponent(next)}`);
    return this.submit(form, '/console/sign-in/api-key', { apiKey, next });
  }
}
