import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, publicUrl } from '../../infra/config.ts';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.apiPort).toBe(8774);
    expect(config.fakeHosts).toBe(3);
    expect(config.serviceDownTimeSeconds).toBe(60);
    expect(config.databaseUrl).toBeUndefined();
    expect(publicUrl(config)).toBe('http://127.0.0.1:8774');
  });

  it('reads and converts values from the environment', () => {
    const config = loadConfig({ NOVAFLOW_API_PORT: '9000', NOVAFLOW_FAKE_HOSTS: '7', DATABASE_URL: 'postgres://u:p@db:5432/nova' });
    expect(config.apiPort).toBe(9000);
    expect(config.fakeHosts).toBe(7);
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/nova');
  });

  it.each([
    ['NOVAFLOW_API_PORT', 'eighty'],
    ['NOVAFLOW_API_PORT', '70000'],
    ['NOVAFLOW_FAKE_HOSTS', '-1'],
    ['DATABASE_URL', 'mysql://db/nova'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['NOVAFLOW_LOG_LEVEL', 'loud'],
  ])('stops with a message naming %s when it is %j', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('refuses a down time that heartbeats could never meet', () => {
    expect(() => loadConfig({ NOVAFLOW_SERVICE_DOWN_TIME: '5', NOVAFLOW_REPORT_INTERVAL: '10' })).toThrow(
      /NOVAFLOW_SERVICE_DOWN_TIME/,
    );
  });
});
