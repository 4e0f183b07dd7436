#!/usr/bin/env node
// Runs `prisma generate` without the native schema engine. Prisma 7 only checks that the engine
// binary exists before generating a client for a driver adapter; it never executes it. Where no
// engine was downloaded (closed networks, `npm ci` with install scripts off) we point
// PRISMA_SCHEMA_ENGINE_BINARY at an existing placeholder file. Migrations run on the WASM engine
// (scripts/db.ts), so the native binary is never needed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prismaBin = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
if (!existsSync(prismaBin)) {
  // Production installs (`npm ci --omit=dev`) ship the generated client and have no CLI.
  console.log('prisma-generate: prisma CLI not installed, keeping the committed build output');
  process.exit(0);
}
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = fileURLToPath(import.meta.url);
}
const result = spawnSync(process.execPath, [prismaBin, 'generate'], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
