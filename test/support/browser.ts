/**
 * The staff console in a real browser, for test/integration/console-e2e.test.ts and
 * console-pages-browser.test.ts: Debian's chromium driven by playwright-core, a browser context per
 * person (their own cookies) with Content-Security-Policy violations collected, axe-core's WCAG 2
 * A/AA check, and screenshots.
 *
 * Chromium: /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it), or CHROMIUM_PATH.
 * Screenshots: with CCM_SCREENSHOTS=1 into docs/screenshots/ (the README shows them), otherwise into
 * a folder under the system's temp dir, so a test run leaves the checkout as it was.
 * (The console without a browser: console-browser.ts.)
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { issueApiKey } from '../../src/security/auth';
import { unique } from './fixtures';
import { startApiStack, type ApiStack } from './stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Where page.screenshot writes: docs/screenshots/ only when asked for (CCM_SCREENSHOTS=1). */
export const SCREENSHOTS = process.env.CCM_SCREENSHOTS === '1' ? path.join(__dirname, '../../docs/screenshots') : path.join(os.tmpdir(), 'ccm-screenshots');

export interface Viewport {
  width: number;
  height: number;
}
export const LAPTOP: Viewport = { width: 1280, height: 800 };
export const TABLET: Viewport = { width: 768, height: 1024 };

/** Chromium, headless; fails at once, saying how to install it, when there is none. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set CHROMIUM_PATH`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface BrowserStack extends ApiStack {
  browser: Browser;
}

/** The console on the real stack (startApiStack) and a chromium to open it with; `stop` closes both. */
export async function startBrowserStack(opts: Parameters<typeof startApiStack>[0]): Promise<BrowserStack> {
  const stack = await startApiStack(opts);
  const browser = await launchChromium().catch(async (err: unknown) => {
    await stack.stop();
    throw err;
  });
  return {
    ...stack,
    browser,
    async stop() {
      await browser.close();
      await stack.stop();
    },
  };
}

export interface Person {
  context: BrowserContext;
  page: Page;
  /** The console messages of CSP violations seen so far (none expected). */
  cspViolations: string[];
  close(): Promise<void>;
}

/** Someone at a browser: a context of their own (cookies) at `viewport`, its CSP violations collected. */
export async function person(browser: Browser, viewport: Viewport = LAPTOP): Promise<Person> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (apply|execute|load)/i.test(m.text())) cspViolations.push(m.text());
  });
  return { context, page, cspViolations, close: () => context.close() };
}

export interface ConsoleStaff {
  id: string;
  key: string;
}

/** A staff member `<prefix>-…` called `name` (the pages and screenshots show it) with a personal API key to sign in with. */
export async function consoleStaff(db: Db, prefix: string, roles: StaffRole[], name: string): Promise<ConsoleStaff> {
  const id = unique(prefix);
  await db.staffMember.create({ data: { id, name, email: `${id}@bank.test`, roles } });
  return { id, key: (await issueApiKey(db, id, 'console browser test')).key };
}

/**
 * Signs in at `baseUrl`/console with the personal API key, as a person does: the console sends them to
 * the sign-in page, they paste the key, and land in the inbox signed in as themselves.
 * `onSignInPage`: what to do on the sign-in page first (check it, take its screenshot).
 */
export async function signIn(page: Page, baseUrl: string, who: ConsoleStaff, onSignInPage?: () => Promise<void>): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.waitForURL(/\/console\/sign-in/);
  await onSignInPage?.();
  await page.getByLabel('Personal API key').fill(who.key);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${baseUrl}/console`);
  expect(await page.locator('.who').textContent()).toContain(`Signed in as ${who.id}`);
}

/** axe-core's WCAG 2 A/AA violations on the page as it is now (none expected). */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // A string, evaluated in the page (its DOM types are not this file's).
  return page.evaluate<string[]>(`(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
  })()`);
}

/** No accessibility violation on the page as it is now; with a `name`, a full-page screenshot `<name>.png` (SCREENSHOTS). */
export async function checkAndShoot(page: Page, name: string | null): Promise<void> {
  expect(await accessibilityViolations(page)).toEqual([]);
  if (name) await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** checkAndShoot at the laptop size (`<name>.png`) and the tablet size (`<name>-tablet.png`), the page never scrolling sideways; back at the laptop size. */
export async function checkAndShootAtBothSizes(page: Page, name: string): Promise<void> {
  for (const [size, suffix] of [
    [LAPTOP, ''],
    [TABLET, '-tablet'],
  ] as const) {
    await page.setViewportSize(size);
    expect(await accessibilityViolations(page)).toEqual([]);
    // After axe's run: by then the page (its charts too) has laid itself out again at the new size.
    expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}${suffix}.png`), fullPage: true });
  }
  await page.setViewportSize(LAPTOP);
}
