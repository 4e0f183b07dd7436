/**
 * Issue 13: the Kubernetes manifests (deploy/k8s/), checked without a cluster: every object against
 * the Kubernetes OpenAPI schemas (kubernetes-models, no network), and what the schemas cannot know —
 * every variable is a real setting of src/config/env.ts that parses, the probes hit the ports the
 * processes listen on, each worker polls its queue, and each worker's drain time covers the longest
 * start-to-close timeout of the activities on its queue (read from workflows/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { envSchema } from '../../src/config/env';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.join(ROOT, 'deploy', 'k8s');

type Obj = Record<string, any>;

function load(file: string): Obj[] {
  return parseAllDocuments(readFileSync(path.join(DIR, file), 'utf8')).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Obj;
  });
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const objects = files.filter((f) => f !== 'kustomization.yaml').flatMap((f) => load(f).map((o) => ({ file: f, o })));
const byKindName = (kind: string, name: string) => {
  const found = objects.find(({ o }) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found.o;
};
const configMap = byKindName('ConfigMap', 'ccm-config');
const secretTemplate = byKindName('Secret', 'ccm-secrets');
const container = (d: Obj) => d.spec.template.spec.containers[0] as Obj;
const envOf = (c: Obj) => Object.fromEntries((c.env as Obj[]).filter((e) => 'value' in e).map((e) => [e.name, e.value as string]));

const MODELS: Record<string, new (data: Obj) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'batch/v1 Job': Job,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
};

test('every object is valid against the Kubernetes schema of its kind', () => {
  expect(objects.length).toBeGreaterThanOrEqual(8);
  for (const { file, o } of objects) {
    const Model = MODELS[`${o.apiVersion} ${o.kind}`];
    if (!Model) throw new Error(`${file}: no schema for ${o.apiVersion} ${o.kind}`);
    expect(() => new Model(o).validate()).not.toThrow();
  }
});

test('the schema check is real: a wrong type or a missing container fails it', () => {
  const api = structuredClone(byKindName('Deployment', 'ccm-api'));
  api.spec.replicas = 'three';
  expect(() => new Deployment(api).validate()).toThrow();
  const noContainers = structuredClone(byKindName('Deployment', 'ccm-api'));
  delete noContainers.spec.template.spec.containers;
  expect(() => new Deployment(noContainers).validate()).toThrow();
});

test('kustomization.yaml lists files that exist (the Secret template and the migrate Job are applied by hand)', () => {
  const [k] = load('kustomization.yaml');
  for (const f of k!.resources as string[]) expect(files).toContain(f);
  expect(k!.resources).toEqual(expect.arrayContaining(['configmap.yaml', 'api.yaml', 'worker-main.yaml', 'worker-risk.yaml']));
  expect(k!.resources).not.toContain('secret.example.yaml');
});

/** Variables for the process rather than the app: npm's home (its cache) on the read-only image, in the migrate Job. */
const PROCESS_VARIABLES = new Set(['HOME']);

describe('settings', () => {
  const shape = envSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean; error?: unknown } }>;

  test('every ConfigMap key is a setting of src/config/env.ts and its value parses', () => {
    for (const [key, value] of Object.entries(configMap.data as Record<string, string>)) {
      expect([key, key in shape]).toEqual([key, true]);
      expect([key, shape[key]!.safeParse(value).success]).toEqual([key, true]);
    }
  });

  test('every variable a container gets is a setting; the secret ones come from ccm-secrets keys the template names', () => {
    const secretKeys = Object.keys(secretTemplate.stringData as object);
    for (const { o } of objects.filter(({ o }) => o.kind === 'Deployment' || o.kind === 'Job')) {
      const c = container(o.kind === 'Job' ? { spec: { template: o.spec.template } } : o);
      for (const e of (c.env as Obj[]).filter((v) => !PROCESS_VARIABLES.has(v.name as string))) {
        expect([e.name, e.name in shape]).toEqual([e.name, true]);
        if ('value' in e) expect([e.name, shape[e.name]!.safeParse(e.value).success]).toEqual([e.name, true]);
        const ref = e.valueFrom?.secretKeyRef as Obj | undefined;
        if (ref) {
          expect(ref.name).toBe('ccm-secrets');
          if (!ref.optional) expect(secretKeys).toContain(ref.key);
        }
      }
      if (o.kind === 'Deployment') expect(c.envFrom).toEqual([{ configMapRef: { name: 'ccm-config' } }]);
    }
  });
});

describe('the API Deployment', () => {
  const api = byKindName('Deployment', 'ccm-api');
  const c = container(api);

  test('N replicas behind the Service, a rollout that never drops below them, a disruption budget', () => {
    expect(api.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(api.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const svc = byKindName('Service', 'ccm-api');
    expect(svc.spec.selector).toEqual(api.spec.selector.matchLabels);
    expect(api.spec.template.metadata.labels).toMatchObject(api.spec.selector.matchLabels);
    expect(svc.spec.ports[0].targetPort).toBe('http');
    expect(byKindName('PodDisruptionBudget', 'ccm-api').spec.minAvailable).toBeLessThan(api.spec.replicas);
  });

  test('probes: startup and readiness on GET /health at the port the API listens on (API_PORT); liveness on the socket', () => {
    const port = (c.ports as Obj[]).find((p) => p.name === 'http')!;
    expect(port.containerPort).toBe(Number(configMap.data.API_PORT));
    expect(configMap.data.API_HOST).toBe('0.0.0.0');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    // The probe's timeout is longer than /health's own bound on each dependency (2 s).
    expect(c.readinessProbe.timeoutSeconds).toBeGreaterThan(2);
  });
});

/** Start-to-close timeouts in workflows/ as milliseconds, by file. */
function startToCloseTimeouts(): { file: string; ms: number }[] {
  const out: { file: string; ms: number }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/startToCloseTimeout:\s*'(\d+)\s*(seconds?|minutes?|hours?)'/g)) {
          const unit = m[2]!.startsWith('second') ? 1000 : m[2]!.startsWith('minute') ? 60_000 : 3_600_000;
          out.push({ file: path.relative(ROOT, p), ms: Number(m[1]) * unit });
        }
      }
    }
  };
  walk(path.join(ROOT, 'workflows'));
  return out;
}

describe.each([
  ['ccm-worker-main', 'main', (f: string) => f !== path.join('workflows', 'risk', 'portfolio.ts')],
  // Every activity of the portfolio workflow runs on the risk queue (activitiesOn(activityTaskQueue)).
  ['ccm-worker-risk', 'risk', (f: string) => f === path.join('workflows', 'risk', 'portfolio.ts')],
])('the %s Deployment', (name, queue, onQueue) => {
  const worker = byKindName('Deployment', name);
  const c = container(worker);
  const env = envOf(c);

  test(`polls queue ${queue}`, () => {
    expect(env.WORKER_QUEUES).toBe(queue);
    expect(c.command).toEqual(['node', 'dist/src/worker/main.js']);
  });

  test('probes GET /health on WORKER_HEALTH_PORT (src/worker/health.ts)', () => {
    const port = (c.ports as Obj[]).find((p) => p.name === 'health')!;
    expect(port.containerPort).toBe(Number(configMap.data.WORKER_HEALTH_PORT));
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(c[probe].httpGet).toEqual({ path: '/health', port: 'health' });
  });

  test("the drain covers the longest start-to-close on its queue, and the grace period the drain", () => {
    const longest = Math.max(...startToCloseTimeouts().filter((t) => onQueue(t.file)).map((t) => t.ms));
    expect(longest).toBeGreaterThanOrEqual(60_000); // the scan found the activities
    const drainSeconds = Number(env.SHUTDOWN_GRACE_SECONDS);
    expect(drainSeconds * 1000).toBeGreaterThanOrEqual(longest);
    expect(worker.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(drainSeconds + 15);
  });
});

test('every container: requests ≤ limits for CPU and memory, non-root, read-only root, no privilege escalation', () => {
  const cpu = (v: string) => (v.endsWith('m') ? Number(v.slice(0, -1)) / 1000 : Number(v));
  const mem = (v: string) => Number(v.replace(/(Mi|Gi)$/, '')) * (v.endsWith('Gi') ? 1024 : 1);
  for (const { o } of objects.filter(({ o }) => o.kind === 'Deployment' || o.kind === 'Job')) {
    const pod = o.spec.template.spec as Obj;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    for (const c of pod.containers as Obj[]) {
      const { requests, limits } = c.resources as { requests: Record<string, string>; limits: Record<string, string> };
      expect(cpu(requests.cpu!)).toBeLessThanOrEqual(cpu(limits.cpu!));
      expect(mem(requests.memory!)).toBeLessThanOrEqual(mem(limits.memory!));
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      expect(c.image).toBe('customer-care-manager:latest');
    }
  }
});
