/**
 * §3.1 no anonymous access, from the first start: every API route needs a staff API key and only an
 * ADMIN registers staff, so a new installation needs one ADMIN to begin with. When the database has
 * no active ADMIN, this creates the staff member `admin` (roles [ADMIN]) and issues a key, written to
 * `<dataDir>/admin-api-key` (mode 0600, owner only) and returned once so `npm start` can print it.
 * On later starts nothing is created; the result says where the key file is.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/client';
import { isUniqueViolation } from '../db/client';
import { newApiKey } from './auth';

export const BOOTSTRAP_ADMIN_ID = 'admin';
export const ADMIN_KEY_FILE = 'admin-api-key';

export type BootstrapResult =
  /** A new ADMIN and key: show `key` once. */
  | { created: true; staffId: string; key: string; keyFile: string }
  /** An active ADMIN exists already; `keyFileExists` tells whether the first start's key file is still there. */
  | { created: false; keyFile: string; keyFileExists: boolean };

/** `admin@<domain of mailFrom>`; mailFrom is a validated address (MAIL_FROM). */
export function adminEmail(mailFrom: string): string {
  const domain = mailFrom.slice(mailFrom.lastIndexOf('@') + 1).replace(/>\s*$/, '').trim();
  if (!domain) throw new Error(`MAIL_FROM ${JSON.stringify(mailFrom)} has no domain to give the bootstrap admin an address`);
  return `${BOOTSTRAP_ADMIN_ID}@${domain.toLowerCase()}`;
}

export async function ensureBootstrapAdmin(db: Db, mailFrom: string, dataDir: string): Promise<BootstrapResult> {
  const keyFile = path.join(path.resolve(dataDir), ADMIN_KEY_FILE);
  const admin = await db.staffMember.findFirst({ where: { active: true, roles: { has: 'ADMIN' } } });
  if (admin) return { created: false, keyFile, keyFileExists: existsSync(keyFile) };

  const existing = await db.staffMember.findUnique({ where: { id: BOOTSTRAP_ADMIN_ID } });
  if (existing) {
    // Never turn an existing account into an ADMIN behind the operator's back.
    throw new Error(
      `no active ADMIN exists and staff member "${BOOTSTRAP_ADMIN_ID}" is ${existing.active ? `not an ADMIN (roles ${existing.roles.join(', ') || 'none'})` : 'inactive'}: ` +
        'give an active staff member the ADMIN role in the database, then start again',
    );
  }
  const email = adminEmail(mailFrom);
  const { key, keyHash } = newApiKey();
  try {
    // One transaction, the key file written before it commits: never an ADMIN without a usable key.
    await db.$transaction(async (tx) => {
      await tx.staffMember.create({ data: { id: BOOTSTRAP_ADMIN_ID, name: 'Administrator', email, roles: ['ADMIN'] } });
      await tx.apiKey.create({ data: { staffId: BOOTSTRAP_ADMIN_ID, label: 'bootstrap (npm start)', keyHash } });
      writeSecretFile(keyFile, `${key}\n`);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Error(`cannot create the bootstrap ADMIN: staff member "${BOOTSTRAP_ADMIN_ID}" or the address ${email} exists already`, { cause: err });
    throw err;
  }
  return { created: true, staffId: BOOTSTRAP_ADMIN_ID, key, keyFile };
}

/** Written to a temporary file created 0600 and renamed over the target, so the key is never readable by others. */
function writeSecretFile(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600, flag: 'w' });
  chmodSync(tmp, 0o600); // the umask cannot widen it, but an existing tmp file keeps its old mode
  renameSync(tmp, file);
}
