export default async function globalTeardown(): Promise<void> {
  const steps = globalThis.__CCM_TEARDOWN__ ?? [];
  globalThis.__CCM_TEARDOWN__ = [];
  for (const step of steps.reverse()) await step();
}
