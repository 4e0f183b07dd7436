/** Temporal client factory: one connection per process, shared by the API and the CLI. */
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** §3.1: the payload codec that encrypts every payload (src/temporal/codec.ts). */
  dataConverter?: DataConverter;
}

export async function createTemporalClient({ address, namespace, dataConverter }: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace, ...(dataConverter ? { dataConverter } : {}) });
}
