import { loadConfig } from '../../src/config/config';

describe('Graph sync configuration', () => {
  it('is off by default and reads GRAPH_SYNC_INTERVAL_MINUTES with the Graph settings', () => {
    expect(loadConfig({})).toMatchObject({ ok: true, config: { graphSyncIntervalMinutes: 0, graph: undefined } });
    const r = loadConfig({
      GRAPH_CLIENT_ID: 'app',
      GRAPH_CLIENT_SECRET: 'secret',
      GRAPH_BASE_URL: 'https://127.0.0.1:4443',
      LOGIN_BASE_URL: 'https://127.0.0.1:4444',
      GRAPH_SYNC_INTERVAL_MINUTES: '15',
    });
    expect(r).toMatchObject({
      ok: true,
      config: { graphSyncIntervalMinutes: 15, graph: { clientId: 'app', clientSecret: 'secret', graphBaseUrl: 'https://127.0.0.1:4443', loginBaseUrl: 'https://127.0.0.1:4444' } },
    });
    expect(loadConfig({ GRAPH_SYNC_INTERVAL_MINUTES: '' })).toMatchObject({ ok: true, config: { graphSyncIntervalMinutes: 0 } });
  });

  it('refuses a bad interval, and an interval without a Graph app registration', () => {
    expect(loadConfig({ GRAPH_SYNC_INTERVAL_MINUTES: 'hourly' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/^GRAPH_SYNC_INTERVAL_MINUTES: /)] });
    expect(loadConfig({ GRAPH_SYNC_INTERVAL_MINUTES: '-1' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/^GRAPH_SYNC_INTERVAL_MINUTES: /)] });
    expect(loadConfig({ GRAPH_SYNC_INTERVAL_MINUTES: '60' })).toMatchObject({ ok: false, errors: [expect.stringMatching(/^GRAPH_SYNC_INTERVAL_MINUTES: needs GRAPH_CLIENT_ID/)] });
    // The bot's registration is the default Graph app.
    expect(loadConfig({ GRAPH_SYNC_INTERVAL_MINUTES: '60', BOT_ID: 'bot', BOT_PASSWORD: 'pw' })).toMatchObject({ ok: true, config: { graph: { clientId: 'bot' } } });
  });
});
