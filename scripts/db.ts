#!/usr/bin/env -S node --experimental-wasm-modules --import tsx
/**
 * Prisma Migrate on Prisma's own schema engine in its WASM form (no native binary needed).
 *
 *   npm run db:migrate               apply prisma/migrations to DATABASE_URL (like `prisma migrate deploy`)
 *   npm run db:migration -- <name>   write prisma/migrations/<timestamp>_<name>/migration.sql from the
 *                                    diff between the committed migrations and prisma/schema.prisma
 *   npm run db:migration -- --check [--schema file]
 *                                    exit 1 when that diff is not empty (drift check)
 *
 * Both keep the `_prisma_migrations` table exactly as `prisma migrate deploy` does, so either tool can
 * take over a database the other one migrated.
 */
import { applyMigrations, createMigration, diffMigrationsToSchema } from '../src/db/migrate';
import { loadConfig } from '../src/config/env';

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const databaseUrl = process.env.DATABASE_URL ?? loadConfig().DATABASE_URL;
  if (!databaseUrl) {
    throw new Error('DATABASE_URL is not set: export DATABASE_URL=postgresql://user@host:5432/db');
  }
  switch (command) {
    case 'migrate': {
      const applied = await applyMigrations(databaseUrl);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      return;
    }
    case 'create': {
      if (args[0] === '--check') {
        const schemaAt = args.indexOf('--schema');
        const schemaPath = schemaAt >= 0 ? args[schemaAt + 1] : undefined;
        const sql = await diffMigrationsToSchema(databaseUrl, schemaPath);
        if (sql.trim()) {
          console.error(`schema.prisma differs from prisma/migrations:\n${sql}`);
          process.exitCode = 1;
        } else console.log('migrations match schema.prisma');
        return;
      }
      const name = args[0];
      if (!name || !/^[a-z0-9_]+$/.test(name)) {
        throw new Error('usage: npm run db:migration -- <name>   (name: lower-case letters, digits, _)');
      }
      const dir = await createMigration(databaseUrl, name);
      console.log(dir ? `wrote ${dir}` : 'no changes: schema.prisma matches the migrations');
      return;
    }
    default:
      throw new Error('usage: db.ts migrate | create <name> | create --check');
  }
}

// Exit explicitly: the WASM engine leaves a timer running for ~10 s after it is freed.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
