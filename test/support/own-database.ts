/**
 * Each test file gets a database of its own, cloned from the tier's migrated template
 * (global-setup.ts), so one file's writes never show in another's counts, whatever order jest
 * runs them in. Runs as a setupFiles module, before the test file is imported: `DATABASE_URL` is
 * set for the file's fixtures and for every process it spawns. Dropped with the template in
 * global teardown (every database named `<template>_…`).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

const template = process.env.CCM_TEST_DB_TEMPLATE;
const adminUrl = process.env.CCM_TEST_DB_ADMIN_URL;
if (template && adminUrl) {
  const name = `${template}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  // Synchronous (setupFiles cannot await): a short node child creates the clone. CREATE DATABASE
  // refuses while another session is connected to the template, so it retries briefly.
  const script = `
    const pg = require('pg');
    (async () => {
      for (let attempt = 1; ; attempt++) {
        const c = new pg.Client({ connectionString: process.env.ADMIN_URL });
        await c.connect();
        try { await c.query('CREATE DATABASE "' + process.env.NAME + '" TEMPLATE "' + process.env.TEMPLATE + '"'); return; }
        catch (err) { if (attempt >= 50 || !/being accessed by other users/.test(err.message)) throw err; }
        finally { await c.end(); }
        await new Promise((r) => setTimeout(r, 100));
      }
    })().catch((err) => { console.error(err.message); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ADMIN_URL: adminUrl, NAME: name, TEMPLATE: template }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
}
