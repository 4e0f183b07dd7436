/** The database layer: Prisma Client on the pg driver adapter (no native engine). */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, Prisma } from './generated/client';

export { Prisma };
export type Db = PrismaClient;
/** A client or an interactive transaction: repositories accept either. */
export type DbTx = Prisma.TransactionClient;

export interface DbOptions {
  url: string;
  /** Pool size (the embedded PostgreSQL may serve fewer connections). */
  max?: number;
}

export function createDb({ url, max }: DbOptions): Db {
  const adapter = new PrismaPg({ connectionString: url, ...(max ? { max } : {}) });
  return new PrismaClient({ adapter });
}

/** True when `err` is Prisma's unique-constraint violation (P2002). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}
