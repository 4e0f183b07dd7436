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

/**
 * True when `err` is a unique-constraint violation: Prisma's P2002 from a model query, or P2010
 * (raw query failed) whose driver-adapter cause is PostgreSQL's 23505.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (err.code === 'P2002') return true;
  const cause = (err.meta?.driverAdapterError as { cause?: { kind?: string; originalCode?: string } } | undefined)?.cause;
  return err.code === 'P2010' && (cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505');
}
