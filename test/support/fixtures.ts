/** Shared test fixtures: the test database, staff members with unique ids, unique keys. */
import { randomUUID } from 'node:crypto';
import { createDb, type Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';

export function testDb(): Db {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL not set: run through jest (test/support/global-setup.ts)');
  return createDb({ url, max: 4 });
}

export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function createStaff(db: Db, name: string, roles: StaffRole[] = ['RELATIONSHIP_MANAGER']) {
  const id = unique('stf');
  return db.staffMember.create({ data: { id, name, email: `${id}@bank.test`, roles } });
}

export function workflowBundle(): { codePath: string } {
  const codePath = process.env.CCM_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('CCM_WORKFLOW_BUNDLE not set: run through jest (test/support/global-setup.ts)');
  return { codePath };
}
