/**
 * Issue 13: the worker's health signal for Kubernetes probes (src/worker/health.ts, deploy/k8s/):
 * 200 while its workers poll or drain, 503 before they poll or when one failed; over real HTTP.
 */
import { startWorkerHealthServer, workerHealth, type WorkerHealth, type WorkerRunState } from '../../src/worker/health';

describe('workerHealth (pure)', () => {
  test.each<[Record<string, WorkerRunState>, boolean, WorkerHealth['status']]>([
    [{}, false, 'starting'],
    [{ 'customer-care': 'INITIALIZED' }, false, 'starting'],
    [{ 'customer-care': 'RUNNING', 'ccm-risk': 'INITIALIZED' }, false, 'starting'],
    [{ 'customer-care': 'RUNNING', 'ccm-risk': 'RUNNING' }, false, 'ok'],
    [{ 'customer-care': 'RUNNING' }, true, 'stopping'],
    [{ 'customer-care': 'DRAINING' }, false, 'stopping'],
    [{ 'customer-care': 'STOPPED', 'ccm-risk': 'RUNNING' }, false, 'stopping'],
    [{ 'customer-care': 'RUNNING', 'ccm-risk': 'FAILED' }, true, 'failed'],
  ])('%j, signalled %s → %s', (workers, stopping, status) => {
    expect(workerHealth(workers, stopping)).toEqual({ status, workers });
  });
});

describe('GET /health on the worker', () => {
  let current: WorkerHealth = workerHealth({}, false);
  let server: Awaited<ReturnType<typeof startWorkerHealthServer>>;
  beforeAll(async () => {
    server = await startWorkerHealthServer({ port: 0, host: '127.0.0.1', health: () => current });
  });
  afterAll(() => server.close());
  const get = async (path = '/health', method = 'GET') => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
    return { status: res.status, body: method === 'HEAD' ? '' : await res.text(), cacheControl: res.headers.get('cache-control') };
  };

  test('503 starting → 200 ok → 200 stopping (draining is alive) → 503 failed', async () => {
    expect(await get()).toEqual({ status: 503, body: JSON.stringify({ status: 'starting', workers: {} }), cacheControl: 'no-store' });
    current = workerHealth({ 'customer-care': 'RUNNING' }, false);
    expect(await get()).toMatchObject({ status: 200, body: JSON.stringify({ status: 'ok', workers: { 'customer-care': 'RUNNING' } }) });
    current = workerHealth({ 'customer-care': 'DRAINING' }, true);
    expect(await get()).toMatchObject({ status: 200, body: JSON.stringify({ status: 'stopping', workers: { 'customer-care': 'DRAINING' } }) });
    current = workerHealth({ 'customer-care': 'FAILED' }, false);
    expect(await get()).toMatchObject({ status: 503, body: JSON.stringify({ status: 'failed', workers: { 'customer-care': 'FAILED' } }) });
    expect((await get('/health', 'HEAD')).status).toBe(503);
  });

  test('any other path or method: 404', async () => {
    expect((await get('/metrics')).status).toBe(404);
    expect((await get('/health', 'POST')).status).toBe(404);
  });
});
