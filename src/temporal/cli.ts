/**
 * `npm run temporal:install`: makes sure both Temporal server binaries are available (see
 * binaries.ts for the search order) and prints where they are. Idempotent.
 */
import { resolveTemporalExecutable, TemporalBinaryNotFound, type TemporalBinaryKind } from './binaries';

const kinds: TemporalBinaryKind[] = ['cli', 'test-server'];
let failed = false;
for (const kind of kinds) {
  try {
    const exe = resolveTemporalExecutable(kind, { allowDownload: false });
    if (exe.type === 'existing-path') console.log(`${kind}: ${exe.path}`);
  } catch (err) {
    if (!(err instanceof TemporalBinaryNotFound)) throw err;
    console.error(err.message);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
