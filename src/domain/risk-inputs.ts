/**
 * §6.1 the inputs of a customer's risk assessment, by customer type. §6: "every customer's risk is
 * re-assessed … at once when its inputs change" — a §3.2 dynamic update that touches one of these
 * fields records that a re-assessment is due (the lifecycle, activities/lifecycle.ts).
 *   individual: credit record, income stability (income, its source), debt;
 *   enterprise: industry risk (NAICS code), operating risk (operations), financial risk (revenue, assets).
 */
export const RISK_INPUT_FIELDS = {
  INDIVIDUAL: ['creditRecord', 'annualIncomeUsd', 'incomeSource', 'debtsUsd'],
  ENTERPRISE: ['naicsCode', 'operations', 'annualRevenueUsd', 'totalAssetsUsd', 'employees'],
} as const satisfies Record<'INDIVIDUAL' | 'ENTERPRISE', readonly string[]>;

/** The changed fields that are §6.1 risk inputs of a customer of `type` (empty: none). */
export function riskInputsAmong(type: 'INDIVIDUAL' | 'ENTERPRISE', fields: readonly string[]): string[] {
  const inputs: readonly string[] = RISK_INPUT_FIELDS[type];
  return fields.filter((f) => inputs.includes(f));
}
