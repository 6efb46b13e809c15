import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/infrastructure/config/config';
import { workerSlot, WORKER_SLOT_ENV } from '../../src/worker-supervisor';

describe('WORKERS', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-workers-config-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const load = (workers?: string) =>
    loadConfig({ DATA_DIR: dataDir, ...(workers === undefined ? {} : { WORKERS: workers }) });

  it('is 1 by default and takes 1-64', () => {
    expect(load().workers).toBe(1);
    expect(load('').workers).toBe(1);
    expect(load('2').workers).toBe(2);
    expect(load('64').workers).toBe(64);
  });

  // Number() reads the last six as integers (10, 2, 3, 2, 2, 2): none is written as one.
  it.each(['0', '65', '-1', '1.5', 'two', '1e1', '0x2', '0b11', '+2', ' 2', '2 '])(
    'refuses %j with a configuration error',
    (value) => {
      expect(() => load(value)).toThrow(ConfigError);
      expect(() => load(value)).toThrow(/^WORKERS must be an integer >= 1 and <= 64/);
    },
  );

  it('a process that is not a cluster worker has no slot, whatever its environment says', () => {
    expect(workerSlot({ [WORKER_SLOT_ENV]: '1' })).toBeUndefined();
  });
});

describe('PORT', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-port-config-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const load = (port: string) => loadConfig({ DATA_DIR: dataDir, PORT: port });

  it('takes 0 (any free port) to 65535', () => {
    expect([load('0').port, load('8080').port, load('65535').port]).toEqual([0, 8080, 65_535]);
  });

  it.each(['65536', '70000', '-5', '3e3', '0x50'])('refuses %j with a configuration error', (value) => {
    expect(() => load(value)).toThrow(/^PORT must be an integer >= 0 and <= 65535/);
  });
});

describe('CHECKOUT_GRACE_SECONDS', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-grace-config-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const load = (grace?: string) =>
    loadConfig({ DATA_DIR: dataDir, ...(grace === undefined ? {} : { CHECKOUT_GRACE_SECONDS: grace }) });

  it('is 120 by default; 0 turns the extension off', () => {
    expect(load().checkoutGraceSeconds).toBe(120);
    expect(load('0').checkoutGraceSeconds).toBe(0);
    expect(load('300').checkoutGraceSeconds).toBe(300);
  });

  it.each(['-1', '1.5', 'soon'])('refuses %j with a configuration error', (value) => {
    expect(() => load(value)).toThrow(/^CHECKOUT_GRACE_SECONDS must be an integer >= 0/);
  });
});
