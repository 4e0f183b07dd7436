/** The process's key ring (§3.1) from the validated environment, as a one-line configuration error when wrong. */
import type { Env } from '../config/env';
import { ConfigError } from '../config/env';
import { keyRingFromEnv, KeyRingError, type KeyRing } from '../security/keyring';

export function loadKeyRing(env: Env, log: (line: string) => void): KeyRing {
  try {
    const ring = keyRingFromEnv(env);
    if (ring.development) {
      log('using the DEVELOPMENT key ring (public, not secret): set DATA_ENCRYPTION_KEYS, DATA_ENCRYPTION_KEY_ID and BLIND_INDEX_KEY');
    }
    return ring;
  } catch (err) {
    if (err instanceof KeyRingError) throw new ConfigError(err.message);
    throw err;
  }
}
