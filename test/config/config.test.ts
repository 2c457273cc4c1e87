import { loadConfig } from '../../src/config/config';

describe('configuration', () => {
  it('has working defaults: port 3978, a SQLite file under ./data, local mode', () => {
    const r = loadConfig({});
    expect(r).toEqual({
      ok: true,
      config: expect.objectContaining({ port: 3978, databaseUrl: 'sqlite:data/tollgate.db', localMode: true, logLevel: 'info', bootstrapAdmins: [] }),
    });
  });

  it('reads every setting', () => {
    const r = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      BOT_ID: 'app-id',
      BOT_PASSWORD: 'secret',
      BOT_TENANT_ID: 'tenant',
      TOLLGATE_ADMINS: 'Alex@Contoso.example, 0000-1 ,',
      LOG_LEVEL: 'debug',
    });
    expect(r.ok && r.config).toMatchObject({ port: 8080, localMode: false, botId: 'app-id', bootstrapAdmins: ['alex@contoso.example', '0000-1'], logLevel: 'debug' });
  });

  it('names every bad value, one message each', () => {
    const r = loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(3);
    expect(r.errors[0]).toMatch(/^PORT: /);
    expect(r.errors[1]).toMatch(/^DATABASE_URL: must be sqlite:<file path> or postgres:/);
    expect(r.errors[2]).toMatch(/^LOG_LEVEL: /);
    expect(loadConfig({ DATABASE_URL: 'sqlite:' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/needs a file path/)] });
    expect(loadConfig({ BOT_ID: 'x' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/^BOT_PASSWORD: required/)] });
  });

  it("checkpoints SQLite's log in the background unless told 'in-commit'; anything else is an error", () => {
    expect(loadConfig({})).toMatchObject({ ok: true, config: { sqliteCheckpoint: 'background' } });
    expect(loadConfig({ SQLITE_CHECKPOINT: 'in-commit' })).toMatchObject({ ok: true, config: { sqliteCheckpoint: 'in-commit' } });
    expect(loadConfig({ SQLITE_CHECKPOINT: 'never' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/^SQLITE_CHECKPOINT: /)] });
  });

  it('treats empty variables as unset, as .env files write them', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ ok: true, config: { port: 3978, databaseUrl: 'sqlite:data/tollgate.db' } });
  });
});
