import { loadConfig } from '../../src/config/config';

describe('configuration: PUBLIC_BASE_URL and the monthly digest', () => {
  const config = (env: NodeJS.ProcessEnv) => {
    const r = loadConfig(env);
    if (!r.ok) throw new Error(r.errors.join('; '));
    return r.config;
  };

  it('defaults to the server itself in local mode, on its port', () => {
    expect(config({}).publicBaseUrl).toBe('http://127.0.0.1:3978');
    expect(config({ PORT: '8080' }).publicBaseUrl).toBe('http://127.0.0.1:8080');
  });

  it('has no default with a bot registration: no download links until it is set', () => {
    expect(config({ BOT_ID: 'app', BOT_PASSWORD: 'secret' }).publicBaseUrl).toBeUndefined();
    expect(config({ BOT_ID: 'app', BOT_PASSWORD: 'secret', PUBLIC_BASE_URL: 'https://tollgate.contoso.com/' }).publicBaseUrl).toBe('https://tollgate.contoso.com');
    expect(config({ PUBLIC_BASE_URL: 'https://contoso.com/tollgate//' }).publicBaseUrl).toBe('https://contoso.com/tollgate');
  });

  it.each(['tollgate.contoso.com', 'ftp://contoso.com', 'javascript:alert(1)', 'https://contoso.com/?x=1', 'https://contoso.com/#top', 'https://user:pw@contoso.com'])(
    'refuses %s, naming the variable',
    (value) => {
      const r = loadConfig({ PUBLIC_BASE_URL: value });
      expect(r).toEqual({ ok: false, errors: [expect.stringMatching(/^PUBLIC_BASE_URL: must be/)] });
    },
  );

  it('checks for a due digest every 5 minutes unless told otherwise; 0 turns digests off', () => {
    expect(config({}).monthlyDigestCheckMinutes).toBe(5);
    expect(config({ MONTHLY_DIGEST_CHECK_MINUTES: '0' }).monthlyDigestCheckMinutes).toBe(0);
    expect(loadConfig({ MONTHLY_DIGEST_CHECK_MINUTES: '-1' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/^MONTHLY_DIGEST_CHECK_MINUTES: /)] });
  });
});
