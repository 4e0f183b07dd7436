/**
 * Registers our custom search attributes on a Temporal namespace (idempotent: existing ones are
 * left alone). The dev server gets them on its command line; this serves any other server the
 * worker is pointed at (the time-skipping test server, a fresh cluster).
 */
import type { ConnectionLike } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SA } from './search-attributes';

const GRPC_UNIMPLEMENTED = 12;
const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

const INDEXED: Partial<Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType>> = {
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

export async function registerSearchAttributes(connection: ConnectionLike, namespace: string): Promise<string[]> {
  const known = new Set<string>();
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    for (const name of Object.keys(existing.customAttributes ?? {})) known.add(name);
  } catch (err) {
    // The time-skipping test server cannot list, but it can add.
    if ((err as { code?: number }).code !== GRPC_UNIMPLEMENTED) throw err;
  }
  const missing = Object.values(SA).filter((key) => !known.has(key.name));
  if (!missing.length) return [];
  const searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of missing) {
    const type = INDEXED[key.type];
    if (type === undefined) throw new Error(`search attribute ${key.name}: type ${key.type} not mapped`);
    searchAttributes[key.name] = type;
  }
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return missing.map((k) => k.name);
}
