/**
 * §6.2 the measures a rating puts in force, as the rows the measures history keeps: one per kind,
 * with its terms. Pure. An assessment that changes the rating (or runs under another policy version)
 * lifts the rows in force that the new rating does not keep and applies the ones it adds; rows whose
 * kind and terms are unchanged stay in force untouched (their history is not churned).
 */
import { measuresFor, type RiskMeasures, type RiskRating } from '../domain/risk-scorecard';
import type { Policy } from '../policy/policy';

export type RiskMeasureKind = 'PREFERENTIAL_TERMS' | 'CLOSE_MONITORING' | 'STRICTER_CONDITIONS' | 'PRODUCT_RESTRICTION' | 'INVESTIGATION';

export interface MeasureRow {
  kind: RiskMeasureKind;
  detail: Record<string, unknown>;
}

/** The §6.2 measure rows of a rating's measures, in a fixed order. */
export function measureRows(m: RiskMeasures): MeasureRow[] {
  const rows: MeasureRow[] = [];
  if (m.simplifiedProcedure || m.rateDiscountEligible) {
    rows.push({ kind: 'PREFERENTIAL_TERMS', detail: { simplifiedProcedure: m.simplifiedProcedure, rateDiscountEligible: m.rateDiscountEligible } });
  }
  if (m.closeMonitoring) rows.push({ kind: 'CLOSE_MONITORING', detail: { everyMonths: m.monitoringEveryMonths } });
  if (m.stricterConditions) rows.push({ kind: 'STRICTER_CONDITIONS', detail: { ...m.stricterConditions } });
  if (m.restrictedRiskClasses.length > 0) rows.push({ kind: 'PRODUCT_RESTRICTION', detail: { restrictedRiskClasses: [...m.restrictedRiskClasses] } });
  if (m.investigation) rows.push({ kind: 'INVESTIGATION', detail: { ...m.investigation } });
  return rows;
}

export const measureRowsFor = (rating: RiskRating, policy: Policy): MeasureRow[] => measureRows(measuresFor(rating, policy));

const sameTerms = (a: MeasureRow, b: MeasureRow) => a.kind === b.kind && JSON.stringify(a.detail) === JSON.stringify(b.detail);

/** What to lift (ids of rows in force) and apply (new rows) to go from `inForce` to `wanted`. */
export function reconcileMeasures<T extends MeasureRow & { id: string }>(inForce: readonly T[], wanted: readonly MeasureRow[]): { lift: string[]; apply: MeasureRow[] } {
  return {
    lift: inForce.filter((r) => !wanted.some((w) => sameTerms(r, w))).map((r) => r.id),
    apply: wanted.filter((w) => !inForce.some((r) => sameTerms(r, w))),
  };
}
