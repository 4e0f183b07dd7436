/**
 * §3.2 dynamic updates: a change reported by the customer or found by staff was applied at once by
 * its use case (PATCH /customers/:id, the deeper profile), which then signals the lifecycle. Here:
 * the managers are told of a segment change, a change of §6.1 risk inputs records that a
 * re-assessment is due and is made at once (risk.ts), and the search attributes follow the new
 * segment and manager.
 */
import type { CustomerChangedInput } from './definitions';
import { acts, type Ctx, nowIso, reflect, step } from './context';
import { inputsChanged } from './risk';

export async function applyChanges(ctx: Ctx, changes: CustomerChangedInput[]): Promise<void> {
  const s = ctx.state;
  const fields = [...new Set(changes.flatMap((c) => c.fields))].sort();
  const byStaffId = changes.at(-1)?.byStaffId;
  const noted = await step(ctx, 'noteCustomerChanged', () =>
    acts.noteCustomerChanged({ customerId: s.customerId, fields, ...(byStaffId ? { byStaffId } : {}), at: nowIso(), known: { segment: s.segment, managerId: s.managerId } }),
  );
  s.counters.changes += changes.length;
  if (!noted) return;
  s.segment = noted.segment;
  s.managerId = noted.managerId;
  if (noted.riskReassessmentDueAt) s.riskReassessmentDueAt = noted.riskReassessmentDueAt;
  reflect(ctx);
  // §6 "at once when its inputs change" (patch lifecycle-risk).
  if (noted.riskReassessmentDueAt) await inputsChanged(ctx);
}
