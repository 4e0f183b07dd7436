/**
 * docker-compose.yml and the Dockerfile are checked here rather than by running them (no Docker engine
 * in CI): the services and their start-up order, pinned images, published ports, the settings the
 * worker and the API get (real keys of envSchema, valid, pointing at the compose services), the search
 * attributes registered in Temporal (exactly those of src/temporal/search-attributes.ts, with their
 * types) and the image's entry points.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SearchAttributeType } from '@temporalio/common';
import { envSchema } from '../../src/config/env';
import { createApiMetrics } from '../../src/observability/metrics';
import { SA } from '../../src/temporal/search-attributes';

const ROOT = path.resolve(__dirname, '..', '..');
const readText = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

// ---------------------------------------------------------------------------------------------------
// Compose file model and helpers

type Scalar = string | number | boolean | null;

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, Scalar> | string[];
  ports?: Array<string | number | { target: number | string; published?: number | string }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  restart?: string;
  stop_grace_period?: string;
}

interface ComposeFile {
  services: Record<string, Service>;
}

/**
 * §3.1 secrets that must never have a default: compose refuses to start (`${VAR:?message}`) until the
 * operator provides them. For parsing, the test supplies freshly generated values.
 */
const APP_SECRETS: Record<string, string> = {
  DATA_ENCRYPTION_KEYS: `k2026a:${randomBytes(32).toString('base64')}`,
  DATA_ENCRYPTION_KEY_ID: 'k2026a',
  BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
  // GET /metrics' bearer token: the API checks it, Prometheus sends it (issue 13, README "Observability").
  METRICS_TOKEN: randomBytes(32).toString('hex'),
};
/** Every required secret: the application's, and Grafana's admin password (§3.1 no default credentials). */
const REQUIRED_SECRETS: Record<string, string> = { ...APP_SECRETS, GRAFANA_ADMIN_PASSWORD: randomBytes(16).toString('hex') };

/**
 * Compose variable interpolation with nothing set in the environment, i.e. every placeholder resolves
 * to its default: `$$` → `$`, `${VAR:-default}` / `${VAR-default}` → default, `${VAR}` / `$VAR`
 * without a default → error (the deployment must start with no .env at all), except the encryption
 * keys, which must be required (`${VAR:?…}`) and are supplied from REQUIRED_SECRETS. A lone `$` is an
 * error, as it is for `docker compose`.
 */
function interpolate(value: string): string {
  return value.replace(
    /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*)|)/g,
    (_match, escaped: string | undefined, braced: string | undefined, named: string | undefined) => {
      if (escaped) return '$';
      const expression = braced ?? named;
      if (expression === undefined) {
        throw new Error(`lone "$" in ${JSON.stringify(value)}: write "$$" for a literal dollar sign`);
      }
      const parts = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?)([\s\S]*))?$/.exec(expression);
      if (!parts) throw new Error(`invalid interpolation "\${${expression}}" in ${JSON.stringify(value)}`);
      const [, name, operator, fallback] = parts;
      if (operator === ':-' || operator === '-') {
        if (fallback?.includes('$')) throw new Error(`nested interpolation in \${${expression}} is not supported here`);
        if (name && name in REQUIRED_SECRETS) throw new Error(`\${${name}} is a secret and must not have a default`);
        return fallback ?? '';
      }
      if (operator === ':?' && name && name in REQUIRED_SECRETS) return REQUIRED_SECRETS[name]!;
      throw new Error(`\${${name}} has no default: ${JSON.stringify(value)}`);
    },
  );
}

function resolveDeep<T>(value: T): T {
  if (typeof value === 'string') return interpolate(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => resolveDeep(item)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v)])) as T;
  }
  return value;
}

function service(compose: ComposeFile, name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** Environment as compose hands it to the container (strings); `null` (= "take it from the host") is dropped. */
function environmentOf(svc: Service): Record<string, string> {
  const env = svc.environment ?? {};
  const entries: Array<[string, string]> = Array.isArray(env)
    ? env.filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    : Object.entries(env)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, String(v)]);
  return Object.fromEntries(entries);
}

function envValue(svc: Service, key: string): string {
  const value = environmentOf(svc)[key];
  if (value === undefined) throw new Error(`environment variable ${key} is not set`);
  return value;
}

/** host port → container port of each published port (short and long syntax). */
function publishedPorts(svc: Service): Array<{ published: number; target: number }> {
  return (svc.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return { published: Number(port.published ?? port.target), target: Number(port.target) };
    }
    const parts = String(port).split('/')[0]!.split(':');
    const target = Number(parts[parts.length - 1]);
    const published = parts.length > 1 ? Number(parts[parts.length - 2]) : target;
    return { published, target };
  });
}

/** service → condition; the list form means `service_started`. */
function dependsOn(svc: Service): Record<string, string> {
  const deps = svc.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep.condition ?? 'service_started']));
}

function words(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/).filter(Boolean);
}

/** Everything the container runs (entrypoint + command) as one string, for the setup script. */
function script(svc: Service): string {
  return [...words(svc.entrypoint), ...words(svc.command)].join('\n');
}

function durationSeconds(value: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?$/.exec(value.trim());
  if (!match || value.trim() === '') throw new Error(`unsupported duration "${value}"`);
  const [, h, m, s] = match;
  return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0]!;
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Dockerfile model

interface DockerInstruction {
  keyword: string;
  args: string;
}

function dockerfileInstructions(text: string): DockerInstruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The instructions of each stage; ARGs declared before the first FROM are substituted into FROM. */
function dockerStages(text: string): Array<{ from: string; name?: string; instructions: DockerInstruction[] }> {
  const globalArgs: Record<string, string> = {};
  const stages: Array<{ from: string; name?: string; instructions: DockerInstruction[] }> = [];
  for (const instruction of dockerfileInstructions(text)) {
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name, ...value] = instruction.args.split('=');
      globalArgs[name!.trim()] = value.join('=').trim();
    } else if (instruction.keyword === 'FROM') {
      const args = instruction.args.split(/\s+/).filter((a) => !a.startsWith('--'));
      const from = args[0]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, name: string) => globalArgs[name] ?? '');
      const asIndex = args.findIndex((a) => a.toUpperCase() === 'AS');
      stages.push({ from, name: asIndex >= 0 ? args[asIndex + 1] : undefined, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push(instruction);
    }
  }
  return stages;
}

/** Minimal .dockerignore matching: exact path, directory prefix, `*` and `?` globs (no `**`). */
function dockerIgnored(patterns: string[], file: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const regex = new RegExp(
      `^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}(/.*)?$`,
    );
    if (regex.test(file)) ignored = !negated;
  }
  return ignored;
}

// ---------------------------------------------------------------------------------------------------

const composeText = readText('docker-compose.yml');
const compose = resolveDeep(parse(composeText, { merge: true }) as ComposeFile);
const APP_SERVICES = ['worker', 'risk-worker', 'api'] as const;
const SCHEMA_KEYS = Object.keys(envSchema.shape);

/** How `temporal operator search-attribute create --type` spells each SDK type. */
const CLI_TYPE: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** Pre-allocated custom search attribute columns per namespace in Temporal's SQL visibility schema. */
const SQL_VISIBILITY_SLOTS: Record<SearchAttributeType, number> = {
  [SearchAttributeType.TEXT]: 3,
  [SearchAttributeType.KEYWORD]: 10,
  [SearchAttributeType.INT]: 3,
  [SearchAttributeType.DOUBLE]: 3,
  [SearchAttributeType.BOOL]: 3,
  [SearchAttributeType.DATETIME]: 3,
  [SearchAttributeType.KEYWORD_LIST]: 3,
};

describe('docker-compose.yml', () => {
  it('resolves every ${VAR} placeholder to a default and has no lone "$"', () => {
    expect(() => resolveDeep(parse(composeText, { merge: true }) as unknown)).not.toThrow();
  });

  it('§3.1: worker and api require the encryption keys and the metrics token (${VAR:?…}, no defaults)', () => {
    for (const name of Object.keys(APP_SECRETS)) {
      expect(composeText).toMatch(new RegExp(`${name}: \\$\\{${name}:\\?`));
    }
    for (const service of APP_SERVICES) {
      const env = resolveDeep(compose.services[service]?.environment ?? {}) as Record<string, string>;
      expect(Object.keys(env)).toEqual(expect.arrayContaining(Object.keys(APP_SECRETS)));
    }
  });

  it('declares the services of the deployment', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-setup', 'temporal-ui', 'mailpit', 'migrate', 'worker', 'risk-worker', 'api', 'prometheus', 'grafana']),
    );
  });

  it('pins every image to an explicit tag other than latest', () => {
    const offenders = Object.entries(compose.services)
      .filter(([, svc]) => {
        const tag = svc.image === undefined ? undefined : imageTag(svc.image);
        return tag === undefined || tag === '' || tag === 'latest';
      })
      .map(([name, svc]) => `${name}: ${svc.image ?? '(no image)'}`);
    expect(offenders).toEqual([]);
  });

  it('uses the agreed images: postgres 16, Temporal 1.2x server with admin tools of the same release', () => {
    expect(service(compose, 'postgres').image).toMatch(/^postgres:16(\.\d+)?(-[a-z0-9.]+)?$/);
    const server = service(compose, 'temporal').image ?? '';
    expect(server).toMatch(/^temporalio\/auto-setup:1\.2\d\.\d+$/);
    // admin-tools tags read <server version>-tctl-<x>-cli-<y>: the CLI must speak the server's release.
    const serverVersion = (imageTag(server) ?? '').replace(/\./g, '\\.');
    expect(service(compose, 'temporal-setup').image).toMatch(
      new RegExp(`^temporalio/admin-tools:${serverVersion}(-[A-Za-z0-9.-]+)?$`),
    );
    expect(service(compose, 'temporal-ui').image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    expect(service(compose, 'mailpit').image).toMatch(/^axllent\/mailpit:v\d+\.\d+(\.\d+)?$/);
  });

  it('builds worker, api and migrate from the Dockerfile as one image', () => {
    const images = new Set<string | undefined>();
    for (const name of ['worker', 'risk-worker', 'api', 'migrate']) {
      const svc = service(compose, name);
      const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
      expect({ name, context: build?.context, dockerfile: build?.dockerfile ?? 'Dockerfile' }).toEqual({
        name,
        context: '.',
        dockerfile: 'Dockerfile',
      });
      images.add(svc.image);
    }
    expect(images.size).toBe(1);
  });

  it('publishes Temporal gRPC 7233, the Temporal UI on 8233, Mailpit UI 8025 and the API on 3000', () => {
    expect(publishedPorts(service(compose, 'temporal'))).toContainEqual({ published: 7233, target: 7233 });
    expect(publishedPorts(service(compose, 'temporal-ui'))).toContainEqual({ published: 8233, target: 8080 });
    expect(publishedPorts(service(compose, 'mailpit'))).toContainEqual({ published: 8025, target: 8025 });
    const api = service(compose, 'api');
    expect(publishedPorts(api)).toContainEqual({ published: 3000, target: 3000 });
    // The published container port is the one the API listens on.
    expect(publishedPorts(api).map((p) => p.target)).toContain(Number(envValue(api, 'API_PORT')));
  });

  describe.each(APP_SERVICES)('%s environment', (name) => {
    const svc = service(compose, name);
    const env = environmentOf(svc);

    it('sets only variables that are keys of envSchema (src/config/env.ts)', () => {
      expect(Object.keys(env).filter((key) => !SCHEMA_KEYS.includes(key))).toEqual([]);
    });

    it('sets the production settings', () => {
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining([
          'NODE_ENV',
          'TEMPORAL_ADDRESS',
          'TEMPORAL_NAMESPACE',
          'TASK_QUEUE',
          'DATABASE_URL',
          'SMTP_URL',
          'MAIL_FROM',
          'API_HOST',
          'API_PORT',
        ]),
      );
    });

    it('parses through envSchema with the defaults resolved', () => {
      const parsed = envSchema.parse(env);
      expect(parsed.NODE_ENV).toBe('production');
      expect(parsed.API_HOST).toBe('0.0.0.0');
      expect(parsed.API_PORT).toBe(3000);
    });

    it('points TEMPORAL_ADDRESS, DATABASE_URL and SMTP_URL at the compose services', () => {
      const parsed = envSchema.parse(env);

      const [temporalHost, temporalPort] = (parsed.TEMPORAL_ADDRESS ?? '').split(':');
      expect(temporalHost).toBe('temporal');
      expect(publishedPorts(service(compose, 'temporal')).map((p) => p.target)).toContain(Number(temporalPort));

      const postgres = service(compose, 'postgres');
      const db = new URL(parsed.DATABASE_URL ?? '');
      expect(db.hostname).toBe('postgres');
      expect(db.port || '5432').toBe('5432');
      expect(decodeURIComponent(db.username)).toBe(envValue(postgres, 'POSTGRES_USER'));
      expect(decodeURIComponent(db.password)).toBe(envValue(postgres, 'POSTGRES_PASSWORD'));
      expect(db.pathname.slice(1)).toBe(envValue(postgres, 'POSTGRES_DB'));

      const smtp = new URL(parsed.SMTP_URL ?? '');
      expect(smtp.hostname).toBe('mailpit');
      expect(smtp.port).toBe('1025');
      expect(publishedPorts(service(compose, 'mailpit')).map((p) => p.target)).toContain(1025);
    });

    it('keeps the application database apart from the Temporal databases', () => {
      const temporal = service(compose, 'temporal');
      const appDatabase = new URL(envValue(svc, 'DATABASE_URL')).pathname.slice(1);
      const temporalDatabases = [
        environmentOf(temporal).DBNAME ?? 'temporal',
        environmentOf(temporal).VISIBILITY_DBNAME ?? 'temporal_visibility',
      ];
      expect(temporalDatabases).not.toContain(appDatabase);
    });

    it('waits for migrate and temporal-setup to complete and for postgres and temporal to be healthy', () => {
      expect(dependsOn(svc)).toEqual(
        expect.objectContaining({
          migrate: 'service_completed_successfully',
          'temporal-setup': 'service_completed_successfully',
          postgres: 'service_healthy',
          temporal: 'service_healthy',
        }),
      );
    });

    it('runs its compiled entry point from the image', () => {
      expect(words(svc.command)).toEqual(['node', `dist/src/${name === 'risk-worker' ? 'worker' : name}/main.js`]);
    });
  });

  it('§6: worker and risk-worker split the task queues between two processes (WORKER_QUEUES), with the same risk queue and limits', () => {
    const [worker, risk, api] = APP_SERVICES.map((name) => envSchema.parse(environmentOf(service(compose, name))));
    expect(worker!.WORKER_QUEUES).toEqual(['main']);
    expect(risk!.WORKER_QUEUES).toEqual(['risk']);
    for (const key of ['RISK_TASK_QUEUE', 'RISK_ACTIVITIES_PER_SECOND', 'RISK_MAX_CONCURRENT_ACTIVITIES'] as const) {
      expect({ key, risk: risk![key], api: api![key] }).toEqual({ key, risk: worker![key], api: worker![key] });
    }
    // The risk worker drains like the main one: running pages finish before Docker's SIGKILL.
    expect(service(compose, 'risk-worker').stop_grace_period).toBe(service(compose, 'worker').stop_grace_period);
  });

  it('gives worker, risk-worker and api the same Temporal namespace, task queue and database', () => {
    const [worker, risk, api] = APP_SERVICES.map((name) => environmentOf(service(compose, name)));
    for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TASK_QUEUE', 'DATABASE_URL']) {
      expect({ key, value: api?.[key] }).toEqual({ key, value: worker?.[key] });
      expect({ key, value: risk?.[key] }).toEqual({ key, value: worker?.[key] });
    }
  });

  it('migrates the database the application uses, after postgres is healthy', () => {
    const migrate = service(compose, 'migrate');
    expect(words(migrate.command)).toEqual(['npm', 'run', 'db:migrate']);
    expect(Object.keys(environmentOf(migrate)).filter((key) => !SCHEMA_KEYS.includes(key))).toEqual([]);
    expect(envValue(migrate, 'DATABASE_URL')).toBe(envValue(service(compose, 'worker'), 'DATABASE_URL'));
    expect(dependsOn(migrate)).toEqual(expect.objectContaining({ postgres: 'service_healthy' }));
  });

  it('runs Temporal on the compose PostgreSQL, with its namespace the one the application uses', () => {
    const temporal = service(compose, 'temporal');
    const postgres = service(compose, 'postgres');
    const worker = service(compose, 'worker');
    expect(envValue(temporal, 'DB')).toBe('postgres12');
    expect(envValue(temporal, 'POSTGRES_SEEDS')).toBe('postgres');
    expect(envValue(temporal, 'POSTGRES_USER')).toBe(envValue(postgres, 'POSTGRES_USER'));
    expect(envValue(temporal, 'POSTGRES_PWD')).toBe(envValue(postgres, 'POSTGRES_PASSWORD'));
    expect(envValue(temporal, 'DEFAULT_NAMESPACE')).toBe(envValue(worker, 'TEMPORAL_NAMESPACE'));
    expect(dependsOn(temporal)).toEqual(expect.objectContaining({ postgres: 'service_healthy' }));

    const setup = service(compose, 'temporal-setup');
    expect(envValue(setup, 'TEMPORAL_ADDRESS')).toBe(envValue(worker, 'TEMPORAL_ADDRESS'));
    expect(envValue(setup, 'TEMPORAL_NAMESPACE')).toBe(envValue(worker, 'TEMPORAL_NAMESPACE'));
    expect(dependsOn(setup)).toEqual(expect.objectContaining({ temporal: 'service_healthy' }));

    expect(envValue(service(compose, 'temporal-ui'), 'TEMPORAL_ADDRESS')).toBe(envValue(worker, 'TEMPORAL_ADDRESS'));
  });

  it('has a healthcheck on postgres (pg_isready), temporal, mailpit and the api', () => {
    const testOf = (name: string): string => words(service(compose, name).healthcheck?.test).join(' ');
    expect(testOf('postgres')).toContain('pg_isready');
    expect(testOf('temporal')).toMatch(/temporal operator (namespace describe|cluster health)/);
    expect(testOf('mailpit')).toMatch(/\S/);
    const api = service(compose, 'api');
    expect(testOf('api')).toContain(`:${envValue(api, 'API_PORT')}/`);
  });

  it('has a healthcheck on each worker, on the GET /health its WORKER_HEALTH_PORT serves (issue 13)', () => {
    for (const name of ['worker', 'risk-worker']) {
      const worker = service(compose, name);
      const port = envValue(worker, 'WORKER_HEALTH_PORT');
      expect([name, port]).toEqual([name, expect.stringMatching(/^\d+$/)]);
      expect([name, words(worker.healthcheck?.test).join(' ')]).toEqual([name, expect.stringContaining(`127.0.0.1:${port}/health`)]);
    }
  });

  it('only waits for health on services that have a healthcheck, and for completion on one-shot jobs', () => {
    const problems: string[] = [];
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [dependency, condition] of Object.entries(dependsOn(svc))) {
        const target = compose.services[dependency];
        if (!target) {
          problems.push(`${name} depends on unknown service ${dependency}`);
        } else if (condition === 'service_healthy' && (!target.healthcheck?.test || target.healthcheck.disable)) {
          problems.push(`${name} waits for ${dependency} to be healthy, but it has no healthcheck`);
        } else if (condition === 'service_completed_successfully' && (target.restart ?? 'no') !== 'no') {
          problems.push(`${name} waits for ${dependency} to complete, but it restarts (${target.restart})`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('lets the worker drain activities before Docker kills it', () => {
    const worker = service(compose, 'worker');
    const grace = envSchema.parse(environmentOf(worker)).SHUTDOWN_GRACE_SECONDS;
    expect(durationSeconds(worker.stop_grace_period ?? '10s')).toBeGreaterThan(grace);
  });

  describe('temporal-setup', () => {
    const setup = service(compose, 'temporal-setup');
    const text = script(setup);
    const create = /temporal operator search-attribute create\b([\s\S]*?)(?:\)|\n\s*\n|$)/.exec(text)?.[1] ?? '';
    const registered = [...create.matchAll(/--name\s+(\S+)\s+--type\s+(\S+)/g)].map(([, name, type]) => ({ name, type }));

    it('runs `temporal operator search-attribute create` against the namespace', () => {
      expect(text).toContain('temporal operator search-attribute create');
      expect(create).toMatch(/--namespace\s+\S+/);
    });

    it('registers every search attribute of src/temporal/search-attributes.ts, with its type, and no other', () => {
      const expected = Object.values(SA)
        .map((key) => ({ name: key.name, type: CLI_TYPE[key.type] }))
        .sort((a, b) => a.name.localeCompare(b.name));
      expect([...registered].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))).toEqual(expected);
    });

    it('registers each attribute once', () => {
      const names = registered.map((r) => r.name);
      expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
    });

    it('is idempotent: "already exists" is accepted, a different type is not', () => {
      expect(text).toContain('already exists');
      expect(text).toContain('different type');
    });

    it('fits the SQL visibility store, so auto-setup must not add its own test attributes', () => {
      const used = new Map<SearchAttributeType, number>();
      for (const key of Object.values(SA)) used.set(key.type, (used.get(key.type) ?? 0) + 1);
      for (const [type, count] of used) expect({ type, count: Math.min(count, SQL_VISIBILITY_SLOTS[type]) }).toEqual({ type, count });
      expect(envValue(service(compose, 'temporal'), 'SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES')).toBe('true');
    });
  });
});

describe('docker-compose.yml: Prometheus and Grafana (issue 13, README "Observability")', () => {
  const readYaml = <T>(file: string): T => parse(readText(file)) as T;
  interface ScrapeConfig {
    job_name: string;
    metrics_path?: string;
    authorization?: { type?: string; credentials_file?: string };
    dns_sd_configs?: { names: string[]; type?: string; port: number }[];
    static_configs?: { targets: string[] }[];
  }
  const prometheusConfig = readYaml<{ rule_files?: string[]; scrape_configs: ScrapeConfig[] }>('deploy/prometheus/prometheus.yml');
  const job = (name: string): ScrapeConfig => {
    const found = prometheusConfig.scrape_configs.find((j) => j.job_name === name);
    if (!found) throw new Error(`deploy/prometheus/prometheus.yml has no job ${name}`);
    return found;
  };
  const prometheus = service(compose, 'prometheus');
  const grafana = service(compose, 'grafana');
  /** host path (relative to the repository) → container path, of a service's bind mounts. */
  const bindMounts = (svc: Service & { volumes?: string[] }): Map<string, string> =>
    new Map(
      (svc.volumes ?? [])
        .filter((v) => v.startsWith('./'))
        .map((v) => {
          const [host, container] = v.split(':');
          return [host!.slice(2), container!];
        }),
    );
  const containerPathOf = (svc: Service, host: string): string => {
    const mounted = bindMounts(svc).get(host);
    if (!mounted) throw new Error(`${host} is not mounted`);
    return mounted;
  };

  it('uses pinned Prometheus 3 and Grafana images', () => {
    expect(prometheus.image).toMatch(/^prom\/prometheus:v3\.\d+\.\d+$/);
    expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
  });

  it('mounts only files that exist in the repository', () => {
    for (const svc of [prometheus, grafana]) {
      for (const host of bindMounts(svc).keys()) expect({ host, exists: existsSync(path.join(ROOT, host)) }).toEqual({ host, exists: true });
    }
  });

  it('scrapes every API replica on API_PORT at /metrics with METRICS_TOKEN, written to the file the scrape reads', () => {
    const api = job('ccm-api');
    const apiPort = Number(envValue(service(compose, 'api'), 'API_PORT'));
    expect(api.dns_sd_configs).toEqual([expect.objectContaining({ names: ['api'], type: 'A', port: apiPort })]);
    expect(api.metrics_path ?? '/metrics').toBe('/metrics');
    expect(api.authorization?.type).toBe('Bearer');
    // The entrypoint writes the same variable the API checks into the credentials file.
    expect(script(prometheus)).toContain(`> ${api.authorization?.credentials_file}`);
    expect(script(prometheus)).toContain('${METRICS_TOKEN}');
    expect(envValue(prometheus, 'METRICS_TOKEN')).toBe(envValue(service(compose, 'api'), 'METRICS_TOKEN'));
    expect(envSchema.parse(environmentOf(service(compose, 'api'))).METRICS_TOKEN).toBe(APP_SECRETS.METRICS_TOKEN);
  });

  it("scrapes each worker's and risk-worker's Temporal SDK metrics on the port WORKER_METRICS_ADDRESS binds, on every interface", () => {
    const workers = job('ccm-worker');
    expect(workers.dns_sd_configs?.flatMap((d) => d.names).sort()).toEqual(['risk-worker', 'worker']);
    for (const name of ['worker', 'risk-worker']) {
      const address = envSchema.parse(environmentOf(service(compose, name))).WORKER_METRICS_ADDRESS ?? '';
      const [host, port] = address.split(':');
      expect({ name, host }).toEqual({ name, host: '0.0.0.0' });
      for (const d of workers.dns_sd_configs ?? []) if (d.names.includes(name)) expect({ name, port: d.port }).toEqual({ name, port: Number(port) });
    }
    // The API does not run a worker: no SDK metrics address there.
    expect(environmentOf(service(compose, 'api')).WORKER_METRICS_ADDRESS).toBeUndefined();
  });

  it('loads the alert rules it is given, from the mounted file', () => {
    const rules = prometheusConfig.rule_files ?? [];
    expect(rules).toEqual([containerPathOf(prometheus, 'deploy/prometheus/alerts.yml')]);
    expect(containerPathOf(prometheus, 'deploy/prometheus/prometheus.yml')).toBe('/etc/prometheus/prometheus.yml');
    expect(script(prometheus)).toContain('--config.file=/etc/prometheus/prometheus.yml');
  });

  it('publishes Prometheus on loopback only (it has no login) and Grafana on 3001 (the API has 3000)', () => {
    expect(prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
    expect(publishedPorts(grafana)).toEqual([{ published: 3001, target: 3000 }]);
  });

  it('§3.1 Grafana: admin password required, no sign-up, no anonymous access', () => {
    expect(composeText).toMatch(/GF_SECURITY_ADMIN_PASSWORD: \$\{GRAFANA_ADMIN_PASSWORD:\?/);
    expect(envValue(grafana, 'GF_USERS_ALLOW_SIGN_UP')).toBe('false');
    expect(envValue(grafana, 'GF_AUTH_ANONYMOUS_ENABLED')).toBe('false');
  });

  describe('Grafana provisioning', () => {
    const provisioning = containerPathOf(grafana, 'deploy/grafana/provisioning');
    const dashboardsDir = containerPathOf(grafana, 'deploy/grafana/dashboards');
    const datasources = readYaml<{ datasources: { uid: string; type: string; url: string }[] }>('deploy/grafana/provisioning/datasources/prometheus.yml').datasources;
    const providers = readYaml<{ providers: { type: string; options: { path: string } }[] }>('deploy/grafana/provisioning/dashboards/customer-care.yml').providers;
    const dashboardFiles = readdirSync(path.join(ROOT, 'deploy/grafana/dashboards')).filter((f) => f.endsWith('.json'));
    interface Panel {
      type: string;
      title: string;
      datasource?: { uid: string };
      targets?: { expr: string; datasource?: { uid: string } }[];
    }
    const dashboards = dashboardFiles.map((f) => ({ file: f, json: JSON.parse(readText(`deploy/grafana/dashboards/${f}`)) as { uid: string; panels: Panel[] } }));

    it('provisions into /etc/grafana/provisioning: the compose Prometheus as the data source', () => {
      expect(provisioning).toBe('/etc/grafana/provisioning');
      expect(datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
      expect(publishedPorts(prometheus).map((p) => p.target)).toContain(9090);
    });

    it('loads the dashboards from the directory they are mounted in, and the home dashboard is one of them', () => {
      expect(providers.map((p) => [p.type, p.options.path])).toEqual([['file', dashboardsDir]]);
      expect(dashboards.length).toBeGreaterThan(0);
      const home = envValue(grafana, 'GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH');
      expect(dashboardFiles.map((f) => `${dashboardsDir}/${f}`)).toContain(home);
    });

    it("every panel queries the provisioned data source, by uid", () => {
      const uid = datasources[0]!.uid;
      for (const { file, json } of dashboards) {
        for (const panel of json.panels.filter((p) => p.type !== 'row')) {
          expect({ file, panel: panel.title, uid: panel.datasource?.uid }).toEqual({ file, panel: panel.title, uid });
          expect({ file, panel: panel.title, targets: (panel.targets ?? []).length > 0 }).toEqual({ file, panel: panel.title, targets: true });
        }
      }
    });

    it('every ccm_ metric the dashboards and alerts query is one the API exports (src/observability/metrics.ts)', () => {
      const exported = new Set<string>();
      const metrics = createApiMetrics({ db: {} as never, clock: { now: () => new Date() } });
      for (const m of metrics.registry.getMetricsAsArray()) {
        const { name, type } = m as unknown as { name: string; type: string };
        exported.add(name);
        if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
      }
      const exprs = [
        ...dashboards.flatMap(({ json }) => json.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))),
        ...readYaml<{ groups: { rules: { expr: string }[] }[] }>('deploy/prometheus/alerts.yml').groups.flatMap((g) => g.rules.map((r) => String(r.expr))),
      ];
      const used = new Set(exprs.flatMap((e) => e.match(/\bccm_[a-z0-9_]+/g) ?? []));
      expect(used.size).toBeGreaterThan(5);
      expect([...used].filter((name) => !exported.has(name))).toEqual([]);
      // The business gauges are all on the dashboard.
      for (const gauge of ['ccm_feedback_cases_open', 'ccm_feedback_sla_breached', 'ccm_periodic_reviews_overdue', 'ccm_onboarding_queue', 'ccm_emails']) expect(used).toContain(gauge);
    });
  });
});

describe('Dockerfile', () => {
  const dockerfilePath = path.join(ROOT, 'Dockerfile');
  const dockerfile = existsSync(dockerfilePath) ? readFileSync(dockerfilePath, 'utf8') : '';
  const stages = dockerStages(dockerfile);
  const runtime = stages[stages.length - 1];
  const runtimeOf = (keyword: string): DockerInstruction[] =>
    runtime?.instructions.filter((i) => i.keyword === keyword) ?? [];
  const buildRuns = stages
    .slice(0, -1)
    .flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args))
    .join('\n');

  it('exists', () => {
    expect(existsSync(dockerfilePath)).toBe(true);
  });

  it('is a multi-stage build on node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.map((s) => s.from)).toEqual(stages.map(() => 'node:20-bookworm-slim'));
  });

  it('installs, builds and prunes dev dependencies in the build stage', () => {
    expect(buildRuns).toMatch(/\bnpm ci\b/);
    expect(buildRuns).toMatch(/\bnpm run build\b/);
    expect(buildRuns).toMatch(/\bnpm prune --omit=dev\b/);
  });

  it('runs as the unprivileged node user with a healthcheck', () => {
    expect(runtimeOf('USER').map((i) => i.args).pop()).toBe('node');
    expect(runtimeOf('HEALTHCHECK')).toHaveLength(1);
    expect(runtimeOf('HEALTHCHECK')[0]?.args).toContain('/health');
    // The worker's check follows WORKER_HEALTH_PORT (docker-compose and deploy/k8s set it).
    expect(runtimeOf('HEALTHCHECK')[0]?.args).toContain('process.env.WORKER_HEALTH_PORT');
  });

  it('copies what the worker, the API and the migrate job need into the runtime stage', () => {
    const copied = runtimeOf('COPY').flatMap((i) => {
      const args = i.args.split(/\s+/).filter((a) => !a.startsWith('--'));
      return args.slice(0, -1).map((source) => path.posix.relative('/app', path.posix.resolve('/app', source)));
    });
    expect(copied).toEqual(
      expect.arrayContaining(['dist', 'node_modules', 'prisma', 'scripts', 'src', 'workflows', 'package.json']),
    );
  });

  it('defaults to the worker entry point that compose runs, and contains the api entry point', () => {
    const cmd = runtimeOf('CMD').pop()?.args ?? '';
    expect(JSON.parse(cmd)).toEqual(words(service(compose, 'worker').command));
    for (const name of APP_SERVICES) {
      const entry = words(service(compose, name).command)[1] ?? '';
      expect(dockerfile).toContain(entry);
    }
  });

  it('compiles the compose entry points from sources tsc builds into dist/', () => {
    const tsconfig = JSON.parse(readText('tsconfig.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    const build = JSON.parse(readText('tsconfig.build.json')) as { include: string[] };
    expect(tsconfig.compilerOptions).toEqual(expect.objectContaining({ outDir: 'dist', rootDir: '.' }));
    for (const name of APP_SERVICES) {
      const entry = words(service(compose, name).command)[1] ?? '';
      const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(build.include).toContain(source.split('/')[0]);
    }
  });

  it('finds the TypeScript sources of those entry points (src/worker/main.ts, src/api/main.ts)', () => {
    const missing = APP_SERVICES.map((name) => words(service(compose, name).command)[1] ?? '')
      .map((entry) => entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'))
      .filter((source) => !existsSync(path.join(ROOT, source)));
    expect(missing).toEqual([]);
  });

  it('can run `npm run db:migrate` without dev dependencies', () => {
    const pkg = JSON.parse(readText('package.json')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(pkg.scripts['db:migrate']).toMatch(/--import tsx scripts\/db\.ts migrate/);
    expect(Object.keys(pkg.dependencies)).toEqual(
      expect.arrayContaining(['tsx', '@prisma/schema-engine-wasm', '@prisma/adapter-pg', 'pg']),
    );
  });
});

describe('.dockerignore', () => {
  const file = path.join(ROOT, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'))
    : [];

  it('keeps host build output and dependencies out of the build context', () => {
    for (const ignored of ['node_modules', 'dist', 'src/db/generated', '.env']) {
      expect({ ignored, result: dockerIgnored(patterns, ignored) }).toEqual({ ignored, result: true });
    }
  });

  it('keeps everything the Dockerfile copies in the build context', () => {
    const needed = [
      'package.json',
      'package-lock.json',
      'prisma.config.ts',
      'tsconfig.json',
      'tsconfig.build.json',
      'prisma/schema.prisma',
      'prisma/migrations/migration_lock.toml',
      'scripts/db.ts',
      'scripts/prisma-generate.mjs',
      'src/config/env.ts',
      'src/db/migrate.ts',
      'workflows/index.ts',
      'activities/index.ts',
    ];
    expect(needed.filter((f) => dockerIgnored(patterns, f))).toEqual([]);
  });
});
