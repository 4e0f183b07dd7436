/**
 * What every `ccm` command shares (src/cli/ccm.ts, src/cli/lifecycle.ts): the acting staff member, the
 * connections (opened on first use, closed when the command ends), output and option parsing.
 */
import type { Client } from '@temporalio/client';
import { loadKeyRing } from '../app/key-ring';
import { ConfigError, loadConfig, type Env } from '../config/env';
import { createDb, type Db } from '../db/client';
import { loadPolicy, type Policy } from '../policy/policy';
import { AuthenticationError, type Actor } from '../security/auth';
import type { KeyRing } from '../security/keyring';
// Loaded on first use: the Temporal SDK and the payload codec take about a second to load, which
// commands that only read the database should not pay. (require, not import(): tsx runs this as CommonJS.)
import type * as TemporalClientModule from '../temporal/client';
import type * as CodecModule from '../temporal/codec';
import type * as ConnectionOptionsModule from '../temporal/connection-options';

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const log = (line: string) => process.stderr.write(`[ccm] ${line}\n`);
export const out = (line = '') => process.stdout.write(`${line}\n`);

export interface GlobalOptions {
  as?: string;
  json?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Connections, opened on first use and closed when the command ends
// ---------------------------------------------------------------------------------------------

export class Session {
  #env?: Env;
  #ring?: KeyRing;
  #policy?: Policy;
  #db?: Db;
  #temporal?: Client;
  constructor(private readonly poolSize = 4) {}

  get env(): Env {
    return (this.#env ??= loadConfig());
  }

  get ring(): KeyRing {
    return (this.#ring ??= loadKeyRing(this.env, log));
  }

  get policy(): Policy {
    return (this.#policy ??= loadPolicy());
  }

  get db(): Db {
    if (!this.#db) {
      const url = this.env.DATABASE_URL;
      if (!url) throw new ConfigError('DATABASE_URL is not set: expected the PostgreSQL URL, e.g. postgresql://user@127.0.0.1:5432/ccm');
      this.#db = createDb({ url, max: this.poolSize });
    }
    return this.#db;
  }

  /** failFast: few gRPC attempts (src/temporal/client.ts), for commands that go on without Temporal. */
  async temporal(opts: { failFast?: boolean } = {}): Promise<Client> {
    if (!this.#temporal) {
      if (!this.env.TEMPORAL_ADDRESS) throw new ConfigError('TEMPORAL_ADDRESS is not set: expected the Temporal frontend host:port, e.g. 127.0.0.1:7233');
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { createTemporalClient } = require('../temporal/client') as typeof TemporalClientModule;
      const { dataConverter } = require('../temporal/codec') as typeof CodecModule;
      const { temporalConnectionOptions } = require('../temporal/connection-options') as typeof ConnectionOptionsModule;
      /* eslint-enable @typescript-eslint/no-require-imports */
      // §3.1: the same payload codec as the worker and the API, so workflow inputs travel encrypted.
      // Issue 13: TLS/mTLS and the Temporal Cloud API key as the worker and the API use them.
      this.#temporal = await createTemporalClient({ ...temporalConnectionOptions(this.env), namespace: this.env.TEMPORAL_NAMESPACE, dataConverter: dataConverter(this.ring), ...(opts.failFast ? { failFast: true } : {}) });
    }
    return this.#temporal;
  }

  /**
   * Temporal for a command whose change is recorded without it (the process is told when it answers):
   * undefined, with one line saying what waits (`consequence`), when Temporal is not reached.
   */
  async temporalIfUp(consequence: string): Promise<Client | undefined> {
    try {
      return await this.temporal({ failFast: true });
    } catch (err) {
      log(`Temporal not reached (${(err as Error).name}): ${consequence}`);
      return undefined;
    }
  }

  /** The acting staff member (--as / CCM_STAFF_ID) with the roles the database gives them. */
  async actor(options: GlobalOptions): Promise<Actor> {
    const staffId = options.as ?? process.env.CCM_STAFF_ID;
    if (!staffId) throw new UsageError('who is acting? give --as <staffId> or set CCM_STAFF_ID');
    const staff = await this.db.staffMember.findUnique({ where: { id: staffId } });
    if (!staff) throw new AuthenticationError(`staff member ${staffId} does not exist`);
    if (!staff.active) throw new AuthenticationError(`staff member ${staffId} is inactive`);
    return { staffId: staff.id, roles: staff.roles };
  }

  async close(): Promise<void> {
    await this.#temporal?.connection.close().catch(() => undefined);
    await this.#db?.$disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Option parsing helpers
// ---------------------------------------------------------------------------------------------

export const wholeNumber = (name: string, min: number, max: number) => (text: string) => {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${name} must be a whole number ${min}–${max}, got ${JSON.stringify(text)}`);
  return Number(text);
};

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

