/**
 * What the API tests share: staff members with API keys, one request helper, polling, and customers
 * brought in through the API as staff bring them in (the stack itself: stack.ts).
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { issueApiKey } from '../../src/security/auth';
import { customerWorkflowId } from '../../workflows/lifecycle/definitions';
import type { OnboardingState } from '../../workflows/onboarding';
import { unique } from './fixtures';

// ───────────────────────────────────── staff with API keys ─────────────────────────────────────

export interface ApiStaff {
  id: string;
  email: string;
  /** Their API key (§3.1); '' for an inactive staff member, who gets none. */
  key: string;
}

/** A staff member `<prefix>-…` named `Test <prefix>` with `roles` and an API key labelled `label`. */
export async function staffWithKey(db: Db, prefix: string, roles: StaffRole[], opts: { active?: boolean; label?: string; name?: string } = {}): Promise<ApiStaff> {
  const id = unique(prefix);
  const email = `${id}@bank.test`;
  const active = opts.active ?? true;
  await db.staffMember.create({ data: { id, name: opts.name ?? `Test ${prefix}`, email, roles, active } });
  return { id, email, key: active ? (await issueApiKey(db, id, opts.label ?? 'test')).key : '' };
}

/** Fills `staff` with a staff member and key per entry `name: roles` of `roles`, made in order; each name, lower-cased, is the prefix of its id. */
export async function staffWithKeys<Name extends string>(db: Db, staff: Record<Name, ApiStaff>, roles: Record<NoInfer<Name>, StaffRole[]>): Promise<void> {
  for (const name of Object.keys(roles) as Name[]) staff[name] = await staffWithKey(db, name.toLowerCase(), roles[name]);
}

// ─────────────────────────────────────────── requests ───────────────────────────────────────────

export interface ApiResponse {
  status: number;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: any;
  text: string;
  headers: Headers;
}

export interface CallOptions {
  /** Who calls: a staff member or an API key, sent as `Authorization: Bearer <key>`; nobody when absent or null. */
  as?: { key: string } | string | null;
  /** Sent as JSON; a string is sent as it is (malformed JSON, say). */
  body?: unknown;
  /** More headers; an `authorization` here replaces the one `as` makes. */
  headers?: Record<string, string>;
}

export type Call = (method: string, path: string, opts?: CallOptions) => Promise<ApiResponse>;

/** `call(method, path, { as, body, headers })` against the API at `baseUrl()` (read at each call: it is known once the API listens). */
export function apiCaller(baseUrl: () => string): Call {
  return async (method, path, opts = {}) => {
    const key = typeof opts.as === 'string' ? opts.as : opts.as?.key;
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: {
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text, headers: res.headers };
  };
}

/** Polls `probe` every `intervalMs` until it gives a value; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ───────────────────────────────────── customers (§2.3) ─────────────────────────────────────

let identities = 0;
/** A valid SSN (area 100–665, group 10–99) that no earlier call in this test file returned. */
export const newSsn = () => {
  const n = (Date.now() + identities++) % 1_000_000;
  return `${100 + (n % 566)}-${10 + (Math.floor(n / 566) % 90)}-${String(1000 + (n % 9000)).padStart(4, '0')}`;
};
/** A valid EIN (prefix 12, Andover) that no earlier call in this test file returned. */
export const newEin = () => `12-${String(1_000_000 + ((Date.now() + identities++) % 9_000_000)).padStart(7, '0')}`;

/** POST /customers: an individual at a branch, assets USD 50,000 (REGULAR, §4.1). */
export const individualBody = (extra: Record<string, unknown> = {}) => ({
  type: 'INDIVIDUAL',
  channel: 'BRANCH',
  firstName: 'Ada',
  lastName: 'Lovelace',
  dateOfBirth: '1985-04-12',
  email: `${unique('ada')}@example.com`,
  totalAssetsUsd: 50_000,
  identity: { kind: 'SSN', number: newSsn() },
  ...extra,
});

/** POST /customers: a VIP individual (assets ≥ USD 100,000): approval gives it a dedicated relationship manager (§4.1). */
export const vipBody = (extra: Record<string, unknown> = {}) =>
  individualBody({ firstName: 'Vera', lastName: 'Important', dateOfBirth: '1980-02-10', email: `${unique('vera')}@example.com`, totalAssetsUsd: 250_000, ...extra });

/** POST /customers: a MEDIUM enterprise (§2.2) by the website: a dedicated relationship manager, a meeting each quarter (§5.1). */
export const mediumEnterpriseBody = (extra: Record<string, unknown> = {}) => ({
  type: 'ENTERPRISE',
  channel: 'WEBSITE',
  legalName: 'Acme Tools LLC',
  registrationState: 'DE',
  naicsCode: '332216',
  employees: 150,
  annualRevenueUsd: 20_000_000,
  email: `${unique('acme')}@example.com`,
  identity: { kind: 'EIN', number: newEin() },
  ...extra,
});

/** POST /customers/:id/financials: a year's statements of a MEDIUM enterprise (§6.1), the period ending `periodEnd`. */
export const financialStatementBody = (periodEnd: string) => ({
  periodEnd,
  revenueUsd: 21_400_000,
  netIncomeUsd: -120_000.5,
  ebitUsd: 350_000,
  interestExpenseUsd: 410_000,
  totalAssetsUsd: 15_000_000,
  totalLiabilitiesUsd: 9_750_000,
  currentAssetsUsd: 4_100_000,
  currentLiabilitiesUsd: 3_900_000,
  largestCustomerShare: 0.42,
});

export interface ApprovedCustomer {
  id: string;
  /** The relationship manager approval gave it. */
  managerId: string;
}

/**
 * A customer brought in through the API: POST /customers by `maker`, APPROVE by `checker` (an
 * AUDITOR, §2.3 step 3); returns once onboarding has finished APPROVED and the lifecycle
 * `customer-<id>` runs with its record, with the relationship manager approval gave it.
 */
export async function approvedCustomer(stack: { call: Call; db: Db; temporal: Client }, body: unknown, by: { maker: ApiStaff; checker: ApiStaff }): Promise<ApprovedCustomer> {
  const { call, db, temporal } = stack;
  const created = await call('POST', '/customers', { as: by.maker, body });
  expect([created.status, created.body?.issues]).toEqual([201, undefined]);
  const id = created.body.id as string;
  const decided = await call('POST', `/reviews/${id}/decision`, { as: by.checker, body: { decision: 'APPROVE' } });
  expect([decided.status, decided.body?.message]).toEqual([200, undefined]);
  const onboarding = (await temporal.workflow.getHandle(`onboarding-${id}`).result()) as OnboardingState;
  expect(onboarding.status).toBe('APPROVED');
  await until(`customer-${id} running with its record`, async () => {
    const lc = await db.customerLifecycle.findUnique({ where: { customerId: id } });
    return lc && (await temporal.workflow.getHandle(customerWorkflowId(id)).describe()).status.name === 'RUNNING';
  });
  const c = await db.customer.findUniqueOrThrow({ where: { id } });
  expect(c.relationshipManagerId).not.toBeNull();
  return { id, managerId: c.relationshipManagerId! };
}
