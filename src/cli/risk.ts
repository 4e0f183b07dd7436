/**
 * `ccm risk …` (§6 customer risk), registered by src/cli/ccm.ts. The `risk` group is made by
 * `riskCommandGroup`; each subcommand group registers itself on it from its own file with a
 * `register…` function taking `{ risk, run, globalsOf }` (this file: `financials`):
 *
 *   ccm risk financials add <customerId> --period-end <date> --revenue <usd> --net-income <usd> --ebit <usd>
 *       --interest-expense <usd> --total-assets <usd> --total-liabilities <usd> --current-assets <usd>
 *       --current-liabilities <usd> [--largest-customer-share <0–1>]       §6.1 an enterprise's statements
 *   ccm risk financials list <customerId> [--page-size n] [--cursor c]    newest period first
 *
 * The same use cases as POST and GET /customers/:id/financials (src/risk/); the actor is `--as` /
 * CCM_STAFF_ID. Errors name the option (`--current-assets: must not exceed …`).
 */
import type { Command } from 'commander';
import { systemClock } from '../shared/clock';
import { ValidationError } from '../shared/errors';
import { log, out, printJson, Session, UsageError, type GlobalOptions } from './session';

// record-financials signals the lifecycle (the workflow definitions and the Temporal SDK): loaded by `add` only.
import type * as RecordFinancialsModule from '../risk/record-financials';
import type * as ListFinancialsModule from '../risk/list-financials';
/* eslint-disable @typescript-eslint/no-require-imports */
const onDemand = {
  recordFinancials: () => require('../risk/record-financials') as typeof RecordFinancialsModule,
  listFinancials: () => require('../risk/list-financials') as typeof ListFinancialsModule,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface RiskCommandContext {
  /** The `ccm risk` group (riskCommandGroup). */
  risk: Command;
  run: (work: Promise<number>) => Promise<void>;
  globalsOf: (cmd: Command) => GlobalOptions;
}

/** Creates `ccm risk`; subcommand groups join it through their `register…` functions. */
export function riskCommandGroup(program: Command): Command {
  return program.command('risk').description('§6 customer risk: the §6.1 inputs (financial statements), assessments and their measures');
}

/** Rows as aligned columns (the last column unpadded). */
function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

// ---------------------------------------------------------------------------------------------
// risk financials add, list
// ---------------------------------------------------------------------------------------------

/** Each body field of the statements and the option that sets it. */
const FINANCIAL_OPTIONS = {
  periodEnd: '--period-end',
  revenueUsd: '--revenue',
  netIncomeUsd: '--net-income',
  ebitUsd: '--ebit',
  interestExpenseUsd: '--interest-expense',
  totalAssetsUsd: '--total-assets',
  totalLiabilitiesUsd: '--total-liabilities',
  currentAssetsUsd: '--current-assets',
  currentLiabilitiesUsd: '--current-liabilities',
  largestCustomerShare: '--largest-customer-share',
} as const;
type FinancialField = keyof typeof FINANCIAL_OPTIONS;

interface FinancialsAddOptions {
  periodEnd: string;
  revenue: string;
  netIncome: string;
  ebit: string;
  interestExpense: string;
  totalAssets: string;
  totalLiabilities: string;
  currentAssets: string;
  currentLiabilities: string;
  largestCustomerShare?: string;
}

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
/** A number as written on the command line; anything else is a usage error naming the option. */
function numberOption(option: string, text: string): number {
  const trimmed = text.trim().replace(/_/g, '');
  if (!NUMBER.test(trimmed)) throw new UsageError(`${option} must be a number, got ${JSON.stringify(text)}`);
  return Number(trimmed);
}

/** The request body the options describe. */
export function financialsBody(o: FinancialsAddOptions): Record<FinancialField, string | number | undefined> {
  return {
    periodEnd: o.periodEnd,
    revenueUsd: numberOption('--revenue', o.revenue),
    netIncomeUsd: numberOption('--net-income', o.netIncome),
    ebitUsd: numberOption('--ebit', o.ebit),
    interestExpenseUsd: numberOption('--interest-expense', o.interestExpense),
    totalAssetsUsd: numberOption('--total-assets', o.totalAssets),
    totalLiabilitiesUsd: numberOption('--total-liabilities', o.totalLiabilities),
    currentAssetsUsd: numberOption('--current-assets', o.currentAssets),
    currentLiabilitiesUsd: numberOption('--current-liabilities', o.currentLiabilities),
    largestCustomerShare: o.largestCustomerShare === undefined ? undefined : numberOption('--largest-customer-share', o.largestCustomerShare),
  };
}

/** The use case's field issues, named by the options that set the fields. */
function asOptions(err: unknown): unknown {
  if (!(err instanceof ValidationError)) return err;
  return new ValidationError(err.issues.map((i) => ({ ...i, field: FINANCIAL_OPTIONS[i.field as FinancialField] ?? i.field })));
}

async function financialsAddCommand(customerId: string, options: FinancialsAddOptions, globals: GlobalOptions): Promise<number> {
  const body = Object.fromEntries(Object.entries(financialsBody(options)).filter(([, v]) => v !== undefined));
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    // The statements are recorded without Temporal; the lifecycle is told when Temporal answers.
    const temporal = await session.temporalIfUp("the customer's lifecycle is not told at once (§6 re-assessment on input change)");
    const { recordFinancials } = onDemand.recordFinancials();
    const deps = { db: session.db, policy: session.policy, clock: systemClock, log, ...(temporal ? { temporal } : {}) };
    const view = await recordFinancials(deps, actor, customerId, body).catch((err: unknown) => {
      throw asOptions(err);
    });
    if (globals.json) printJson(view);
    else out(`${customerId}: financial statements for the period ending ${view.periodEnd} recorded by ${actor.staffId} (${view.id})`);
    return 0;
  } finally {
    await session.close();
  }
}

async function financialsListCommand(customerId: string, options: { pageSize?: string; cursor?: string }, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const { listFinancials } = onDemand.listFinancials();
    const query = { ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}), ...(options.cursor !== undefined ? { cursor: options.cursor } : {}) };
    const page = await listFinancials(session.db, actor, customerId, query);
    if (globals.json) {
      printJson(page);
      return 0;
    }
    if (!page.items.length) out(`no financial statements for ${customerId}`);
    else {
      table(
        ['PERIOD END', 'REVENUE', 'NET INCOME', 'EBIT', 'INTEREST', 'ASSETS', 'LIABILITIES', 'CUR. ASSETS', 'CUR. LIAB.', 'TOP CUSTOMER', 'RECORDED BY'],
        page.items.map((s) => [
          s.periodEnd,
          s.revenueUsd,
          s.netIncomeUsd,
          s.ebitUsd,
          s.interestExpenseUsd,
          s.totalAssetsUsd,
          s.totalLiabilitiesUsd,
          s.currentAssetsUsd,
          s.currentLiabilitiesUsd,
          s.largestCustomerShare ?? '-',
          s.recordedByStaffId,
        ]),
      );
    }
    if (page.nextCursor) out(`more: --cursor ${page.nextCursor}`);
    return 0;
  } finally {
    await session.close();
  }
}

/** `ccm risk financials add|list` (§6.1 enterprise financial risk). */
export function registerRiskFinancialsCommands({ risk, run, globalsOf }: RiskCommandContext): void {
  const financials = risk.command('financials').description("§6.1 enterprise customers' financial statements (financial risk), one set per period");
  financials
    .command('add')
    .description(
      "record an enterprise customer's statements for a period (RELATIONSHIP_MANAGER for own customers, RISK_OFFICER, SUPERVISOR, ADMIN); " +
        'its lifecycle is told at once so the risk is re-assessed (§6)',
    )
    .argument('<customerId>')
    .requiredOption('--period-end <date>', "the period's last day, YYYY-MM-DD (not in the future)")
    .requiredOption('--revenue <usd>', 'revenue, ≥ 0')
    .requiredOption('--net-income <usd>', 'net income (negative for a loss)')
    .requiredOption('--ebit <usd>', 'earnings before interest and taxes (may be negative)')
    .requiredOption('--interest-expense <usd>', 'interest expense, ≥ 0')
    .requiredOption('--total-assets <usd>', 'total assets, > 0')
    .requiredOption('--total-liabilities <usd>', 'total liabilities, ≥ 0')
    .requiredOption('--current-assets <usd>', 'current assets, ≥ 0 and ≤ total assets')
    .requiredOption('--current-liabilities <usd>', 'current liabilities, ≥ 0 and ≤ total liabilities')
    .option('--largest-customer-share <share>', "the largest customer's share of revenue, 0–1 (0.35 = 35 %)")
    .action((customerId: string, options: FinancialsAddOptions, cmd: Command) => run(financialsAddCommand(customerId, options, globalsOf(cmd))));
  financials
    .command('list')
    .description("a customer's financial statements, newest period first (audited read)")
    .argument('<customerId>')
    .option('--page-size <n>', 'at most this many (1–100)')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action((customerId: string, options: { pageSize?: string; cursor?: string }, cmd: Command) => run(financialsListCommand(customerId, options, globalsOf(cmd))));
}
