/**
 * Use case (§6.1 enterprises: financial risk): record an enterprise customer's financial statements
 * for a period — revenue, net income, EBIT, interest expense, total and current assets and
 * liabilities, and (operating risk) the largest customer's share of revenue. The assessment reads the
 * latest set (leverage, liquidity, interest cover, profitability) and the latest two (revenue trend):
 * src/risk/inputs.ts.
 *
 * - Who: RELATIONSHIP_MANAGER (the customers they look after; others 404), RISK_OFFICER, SUPERVISOR,
 *   ADMIN (§3.1 by role and need). Others 403, before anything is read.
 * - What: enterprise customers only (an individual → 409 with the reason). `periodEnd` is the last day
 *   of the period (YYYY-MM-DD, the bank's calendar), not in the future; amounts in USD to the cent;
 *   totals must hold together (current assets within total assets, current liabilities within total
 *   liabilities). Bad input → 400 naming each field, its value and the reason; nothing is written.
 * - One set per period: a second for the same `periodEnd` → 409 naming the period (with the set on
 *   file); statements are not corrected in place (record the next period; a correction is a new issue).
 * - The row and its audit record (`risk.financials.record`, the figures) commit together. After the
 *   commit, an APPROVED customer's lifecycle is told that risk inputs changed (§6 "re-assessed … at
 *   once when its inputs change"): `customerChanged` with the field name `financialStatements` only,
 *   exactly as the profile update signals its fields (best effort: src/lifecycle/notify-lifecycle.ts).
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import { isUniqueViolation, Prisma, type Db, type DbTx } from '../db/client';
import type { StaffRole } from '../db/generated/client';
import { calendarDateIn } from '../domain/business-calendar';
import { ownCustomerScope, findCustomerIn } from '../customers/access';
import { isoDateSchema, notInFuture } from '../customers/credit-bureau';
import { notifyCustomerChanged, type NotifyDeps } from '../lifecycle/notify-lifecycle';
import { bankTimeZone, type Policy } from '../policy/policy';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, parseInput, ValidationError, type FieldIssue } from '../shared/errors';
import { toFinancialStatementView, type FinancialStatementRow, type FinancialStatementView } from './financial-statements';

export type { FinancialStatementView } from './financial-statements';

/** §3.1 who may record statements; a RELATIONSHIP_MANAGER only for the customers they look after. */
export const RECORD_FINANCIALS_ROLES = ['RELATIONSHIP_MANAGER', 'RISK_OFFICER', 'SUPERVISOR', 'ADMIN'] as const satisfies readonly StaffRole[];
/** The roles that may record statements for any enterprise customer. */
const ANY_CUSTOMER_ROLES = ['RISK_OFFICER', 'SUPERVISOR', 'ADMIN'] as const satisfies readonly StaffRole[];

/** The field name the lifecycle is told (src/domain/risk-inputs.ts RISK_INPUT_FIELDS.ENTERPRISE). */
export const FINANCIAL_STATEMENTS_FIELD = 'financialStatements';

/** Statements ending before this are a typing mistake. */
export const EARLIEST_PERIOD_END = '1900-01-01';
/** Amounts are Decimal(18, 2): up to 10^15 in either direction. */
export const MAX_AMOUNT_USD = 1e15;

const cents = (n: number) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6;
const amount = () =>
  z
    .number({ error: 'an amount in USD' })
    .finite('an amount in USD')
    .min(-MAX_AMOUNT_USD, 'implausibly large')
    .max(MAX_AMOUNT_USD, 'implausibly large')
    .refine(cents, 'at most 2 decimal places (cents)');
/** An amount that cannot be negative (revenue, assets, liabilities, interest expense). */
const nonNegative = () => amount().refine((n) => n >= 0, 'must not be negative');

export const recordFinancialsInput = z
  .strictObject({
    /** The last day of the period the statements cover (YYYY-MM-DD, bank time zone), not in the future. */
    periodEnd: isoDateSchema(EARLIEST_PERIOD_END),
    revenueUsd: nonNegative(),
    /** Negative for a loss. */
    netIncomeUsd: amount(),
    /** Earnings before interest and taxes; negative for an operating loss. */
    ebitUsd: amount(),
    interestExpenseUsd: nonNegative(),
    totalAssetsUsd: amount().refine((n) => n > 0, 'must be more than 0 (leverage is liabilities ÷ assets)'),
    totalLiabilitiesUsd: nonNegative(),
    currentAssetsUsd: nonNegative(),
    currentLiabilitiesUsd: nonNegative(),
    /** §6.1 operating risk: the largest customer's share of revenue, 0–1 (0.35 = 35 %), when reported. */
    largestCustomerShare: z
      .number({ error: 'a share of revenue from 0 to 1 (0.35 = 35 %)' })
      .min(0, 'a share of revenue from 0 to 1 (0.35 = 35 %)')
      .max(1, 'a share of revenue from 0 to 1 (0.35 = 35 %)')
      .refine((n) => Math.abs(n * 1e4 - Math.round(n * 1e4)) < 1e-6, 'at most 4 decimal places')
      .optional(),
  })
  .superRefine((s, ctx) => {
    // Only between totals that passed their own checks (a negative total is named once, by its own rule).
    if (s.totalAssetsUsd > 0 && s.currentAssetsUsd > s.totalAssetsUsd) {
      ctx.addIssue({ code: 'custom', path: ['currentAssetsUsd'], message: `must not exceed totalAssetsUsd (${s.totalAssetsUsd}): current assets are part of total assets` });
    }
    if (s.totalLiabilitiesUsd >= 0 && s.currentLiabilitiesUsd > s.totalLiabilitiesUsd) {
      ctx.addIssue({
        code: 'custom',
        path: ['currentLiabilitiesUsd'],
        message: `must not exceed totalLiabilitiesUsd (${s.totalLiabilitiesUsd}): current liabilities are part of total liabilities`,
      });
    }
  });

export type FinancialsInput = z.output<typeof recordFinancialsInput>;

/**
 * The request checked against today's date (YYYY-MM-DD, the bank's calendar): the statements, or a
 * ValidationError naming each bad field, its value and the reason. Pure: the use case and the tests share it.
 */
export function parseFinancials(body: unknown, today: string): FinancialsInput {
  const input = parseInput(recordFinancialsInput, body);
  const issues: FieldIssue[] = notInFuture('periodEnd', input.periodEnd, today);
  if (issues.length > 0) throw new ValidationError(issues);
  return input;
}

export interface RecordFinancialsDeps extends NotifyDeps {
  db: Db;
  policy: Policy;
  clock: Clock;
}

const periodOf = (periodEnd: string) => new Date(`${periodEnd}T00:00:00.000Z`);

async function duplicate(tx: DbTx | Db, customerId: string, periodEnd: string): Promise<ConflictError | undefined> {
  const existing = await tx.financialStatement.findUnique({ where: { customerId_periodEnd: { customerId, periodEnd: periodOf(periodEnd) } } });
  if (!existing) return undefined;
  return new ConflictError(
    `financial statements for the period ending ${periodEnd} are on file for customer ${customerId} already (recorded ${existing.recordedAt.toISOString()} by ${existing.recordedByStaffId}): one set per period (§6.1)`,
    toFinancialStatementView(existing),
  );
}

export async function recordFinancials(
  deps: RecordFinancialsDeps,
  actor: Actor,
  customerId: string,
  body: unknown,
  ctx: { requestId?: string } = {},
): Promise<FinancialStatementView> {
  requireRole(actor, ...RECORD_FINANCIALS_ROLES);
  const scope = ownCustomerScope(actor, ANY_CUSTOMER_ROLES);
  const customer = await findCustomerIn(deps.db, customerId, scope);
  if (customer.type !== 'ENTERPRISE') {
    throw new ConflictError(`customer ${customerId} is an individual: financial statements are recorded for enterprise customers (§6.1 financial risk); an individual's risk inputs are in its profile`);
  }
  const input = parseFinancials(body, calendarDateIn(deps.clock.now(), bankTimeZone(deps.policy)));

  const figures = {
    periodEnd: input.periodEnd,
    revenueUsd: money(input.revenueUsd),
    netIncomeUsd: money(input.netIncomeUsd),
    ebitUsd: money(input.ebitUsd),
    interestExpenseUsd: money(input.interestExpenseUsd),
    totalAssetsUsd: money(input.totalAssetsUsd),
    totalLiabilitiesUsd: money(input.totalLiabilitiesUsd),
    currentAssetsUsd: money(input.currentAssetsUsd),
    currentLiabilitiesUsd: money(input.currentLiabilitiesUsd),
    largestCustomerShare: input.largestCustomerShare === undefined ? null : new Prisma.Decimal(input.largestCustomerShare).toString(),
  };
  let row: FinancialStatementRow;
  try {
    row = await deps.db.$transaction(async (tx) => {
      await findCustomerIn(tx, customerId, scope);
      const conflict = await duplicate(tx, customerId, input.periodEnd);
      if (conflict) throw conflict;
      const created = await tx.financialStatement.create({
        data: { ...figures, customerId, periodEnd: periodOf(input.periodEnd), recordedByStaffId: actor.staffId, recordedAt: deps.clock.now() },
      });
      await writeAudit(tx, {
        actorStaffId: actor.staffId,
        action: 'risk.financials.record',
        entity: 'FinancialStatement',
        entityId: created.id,
        customerId,
        changes: Object.fromEntries(Object.entries(figures).map(([field, after]) => [field, { before: null, after }])),
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
      return created;
    });
  } catch (err) {
    // Two requests for the same period at once: the unique key refused the second.
    if (isUniqueViolation(err)) throw (await duplicate(deps.db, customerId, input.periodEnd)) ?? err;
    throw err;
  }
  if (customer.status === 'APPROVED') await notifyCustomerChanged(deps, customerId, [FINANCIAL_STATEMENTS_FIELD], actor.staffId);
  return toFinancialStatementView(row);
}

/** An amount as the decimal string stored (cents kept exactly). */
const money = (n: number) => new Prisma.Decimal((n === 0 ? 0 : n).toFixed(2)).toString(); // -0 is 0
