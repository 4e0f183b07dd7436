/**
 * §6.1 the inputs of a customer's risk assessment, by customer type. §6: "every customer's risk is
 * re-assessed … at once when its inputs change" — a §3.2 dynamic update that touches one of these
 * fields records that a re-assessment is due (the lifecycle, activities/lifecycle.ts).
 *   individual: credit record (the text and the bureau figures), income stability (income, its source,
 *               employment type and since when, income variability), debt;
 *   enterprise: industry risk (NAICS code), operating risk (operations, founding date), financial risk
 *               (revenue, assets, and the financial statements: `financialStatements` is the name
 *               src/risk/record-financials.ts signals when a period's statements are recorded).
 * The names are those of the deeper profile's fields (src/customers/update-profile.ts) as the
 * `customerChanged` signal carries them.
 */
export const RISK_INPUT_FIELDS = {
  INDIVIDUAL: ['creditRecord', 'creditBureau', 'annualIncomeUsd', 'incomeSource', 'employmentType', 'employmentSince', 'incomeVariability', 'debtsUsd'],
  ENTERPRISE: ['naicsCode', 'operations', 'establishedOn', 'annualRevenueUsd', 'totalAssetsUsd', 'employees', 'financialStatements'],
} as const satisfies Record<'INDIVIDUAL' | 'ENTERPRISE', readonly string[]>;

/** The changed fields that are §6.1 risk inputs of a customer of `type` (empty: none). */
export function riskInputsAmong(type: 'INDIVIDUAL' | 'ENTERPRISE', fields: readonly string[]): string[] {
  const inputs: readonly string[] = RISK_INPUT_FIELDS[type];
  return fields.filter((f) => inputs.includes(f));
}
