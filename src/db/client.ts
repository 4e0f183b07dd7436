/** The database layer: Prisma Client on the pg driver adapter (no native engine). */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient, Prisma } from './generated/client';

export { Prisma };
export type Db = PrismaClient;
/** A client or an interactive transaction: repositories accept either. */
export type DbTx = Prisma.TransactionClient;

export interface DbOptions {
  url: string;
  /** Pool size (pg's default, 10, when unset). */
  max?: number;
}

/**
 * Longest a new PostgreSQL connection may take (TCP connect + start-up handshake). pg waits for ever
 * by default, so a database that accepts but does not answer hung every request (issue 7); now the
 * request fails after this and is answered 503 (src/api/outage.ts).
 */
export const DB_CONNECT_TIMEOUT_MS = 2000;

/**
 * pg's Client with the connect bound. Set on the Client, not the Pool: the pool's
 * connectionTimeoutMillis would also bound the wait for a free pooled connection, which is legitimately
 * long on a busy small pool.
 */
class BoundedConnectClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super({ ...(typeof config === 'string' ? { connectionString: config } : config), connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS });
  }
}

export function createDb({ url, max }: DbOptions): Db {
  const adapter = new PrismaPg({ connectionString: url, Client: BoundedConnectClient, ...(max ? { max } : {}) });
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
