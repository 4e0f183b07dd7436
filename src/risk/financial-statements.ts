/**
 * §6.1 an enterprise's financial statements as the API and the CLI show them (POST and GET
 * /customers/:id/financials, src/risk/record-financials.ts and list-financials.ts).
 */
import type { Prisma } from '../db/client';

/** One set of statements as the API shows it: amounts as decimal strings (as stored, to the cent). */
export interface FinancialStatementView {
  id: string;
  customerId: string;
  /** YYYY-MM-DD */
  periodEnd: string;
  revenueUsd: string;
  netIncomeUsd: string;
  ebitUsd: string;
  interestExpenseUsd: string;
  totalAssetsUsd: string;
  totalLiabilitiesUsd: string;
  currentAssetsUsd: string;
  currentLiabilitiesUsd: string;
  largestCustomerShare: string | null;
  recordedByStaffId: string;
  recordedAt: string;
}

export type FinancialStatementRow = Prisma.FinancialStatementGetPayload<object>;

export function toFinancialStatementView(r: FinancialStatementRow): FinancialStatementView {
  return {
    id: r.id,
    customerId: r.customerId,
    periodEnd: r.periodEnd.toISOString().slice(0, 10),
    revenueUsd: r.revenueUsd.toString(),
    netIncomeUsd: r.netIncomeUsd.toString(),
    ebitUsd: r.ebitUsd.toString(),
    interestExpenseUsd: r.interestExpenseUsd.toString(),
    totalAssetsUsd: r.totalAssetsUsd.toString(),
    totalLiabilitiesUsd: r.totalLiabilitiesUsd.toString(),
    currentAssetsUsd: r.currentAssetsUsd.toString(),
    currentLiabilitiesUsd: r.currentLiabilitiesUsd.toString(),
    largestCustomerShare: r.largestCustomerShare?.toString() ?? null,
    recordedByStaffId: r.recordedByStaffId,
    recordedAt: r.recordedAt.toISOString(),
  };
}

