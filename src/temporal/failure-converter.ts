/**
 * §3.1: failure messages and stack traces go through the payload codec too. With
 * `encodeCommonAttributes`, the SDK moves a failure's message and stack trace into an encoded
 * payload (which the EncryptionCodec seals) and leaves "Encoded failure" in their place, so an error
 * that quotes customer data — an SMTP server refusing an address, a database error naming a value —
 * reaches the Temporal server as ciphertext. Clients and workers with our data converter, and the
 * UI through the codec endpoint, read the original text.
 *
 * Loaded by path (DataConverter.failureConverterPath): the worker bundles it into the workflow
 * sandbox, so it imports nothing but @temporalio/common.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
