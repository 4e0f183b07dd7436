/**
 * §3.1 the customer columns stored encrypted, each with its AAD: the ciphertext is bound to its
 * column and row, so a value copied to another row or column will not decrypt. Every writer, reader
 * and the key rotation (src/security/rotate-keys.ts) use these one definitions.
 */
export const aad = {
  identityNumber: (customerId: string) => `IdentityDocument.number:${customerId}`,
  dateOfBirth: (customerId: string) => `IndividualProfile.dateOfBirth:${customerId}`,
  creditRecord: (customerId: string) => `IndividualProfile.creditRecord:${customerId}`,
  /** §6.1 the credit bureau figures (JSON), issue 10. */
  creditBureau: (customerId: string) => `IndividualProfile.creditBureau:${customerId}`,
};
