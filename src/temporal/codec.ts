/**
 * Temporal payload encryption (policy ../shared/policy.md §3.1: customer data protected in storage and
 * in transit). Every payload the client, the worker or the test environment sends — workflow and
 * activity inputs and results, signal, query and update arguments, memos — is sealed with AES-256-GCM
 * under the key ring's current key before it leaves the process, so the Temporal server and its
 * database only ever hold ciphertext. Failure messages and stack traces are encoded the same way
 * (failure-converter.ts). (Search attributes are not payloads the codec sees: they stay
 * ids and codes only, see README.)
 *
 * Wire format of an encrypted payload:
 *   metadata.encoding          = "binary/encrypted"
 *   metadata.encryption-key-id = <key id>
 *   data                       = IV (12 bytes) ‖ AES-256-GCM(protobuf of the original Payload) ‖ tag (16 bytes)
 * The AAD binds the ciphertext to this format and its key id. Decoding accepts every key in the ring
 * (rotation: old histories stay readable) and passes through payloads it did not encrypt (histories
 * written before encryption was switched on).
 *
 * Not workflow code: it runs in the client and in the worker's main thread, never in the sandbox.
 */
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { DecryptionError, IV_BYTES, openBytes, sealBytes } from '../security/crypto';
import type { KeyRing } from '../security/keyring';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_ENCODING_KEY = 'encoding';
export const METADATA_KEY_ID_KEY = 'encryption-key-id';
const FORMAT = 'temporal-payload.v1';

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (bytes: Uint8Array | null | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);
const aadFor = (keyId: string): Buffer => Buffer.from(`${FORMAT}|${keyId}`, 'utf8');

/** True when `payload` was produced by this codec (whatever key). */
export function isEncryptedPayload(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

/** The key id an encrypted payload names, or undefined. */
export function payloadKeyId(payload: Payload): string | undefined {
  return text(payload.metadata?.[METADATA_KEY_ID_KEY]);
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  /** The key id new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.ring.currentKeyId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.ring.currentKeyId;
    const key = this.ring.currentKey;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const { iv, sealed } = sealBytes(key, plain, aadFor(keyId));
      return {
        metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [METADATA_KEY_ID_KEY]: utf8(keyId) },
        data: Buffer.concat([iv, sealed]),
      };
    });
  }

  /**
   * @throws DecryptionError when an encrypted payload names a key the ring lacks (UNKNOWN_KEY_ID), has no
   * key id or is too short (MALFORMED_TOKEN), or does not verify (AUTHENTICATION_FAILED). Never passes
   * an encrypted payload through undecrypted.
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!isEncryptedPayload(payload)) return payload;
      const keyId = payloadKeyId(payload);
      if (!keyId) throw new DecryptionError('MALFORMED_TOKEN', `encrypted payload has no ${METADATA_KEY_ID_KEY} metadata`);
      const key = this.ring.key(keyId);
      if (!key) {
        throw new DecryptionError('UNKNOWN_KEY_ID', `payload is encrypted with key ${keyId}, which is not in the key ring (${this.ring.keyIds.join(', ')})`, keyId);
      }
      const data = payload.data ?? new Uint8Array();
      const plain = openBytes(key, data.subarray(0, IV_BYTES), data.subarray(IV_BYTES), aadFor(keyId), `payload under key ${keyId}`, keyId);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The payload codec for Client, Worker, TestWorkflowEnvironment and the remote codec endpoint. */
export function createEncryptionCodec(ring: KeyRing): EncryptionCodec {
  return new EncryptionCodec(ring);
}

/** The module whose `failureConverter` encodes failure messages and stack traces (failure-converter.ts). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * `{ payloadCodecs: [codec], failureConverterPath }`: pass as `dataConverter` to `new Client`,
 * `Worker.create` and the test environment. A prebuilt workflow bundle must be made with the same
 * `failureConverterPath` (bundleWorkflowCode), since the worker takes a bundle as it is.
 */
export function dataConverter(ring: KeyRing): DataConverter & { payloadCodecs: [EncryptionCodec]; failureConverterPath: string } {
  return { payloadCodecs: [createEncryptionCodec(ring)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
