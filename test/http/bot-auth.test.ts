import type { AddressInfo } from 'node:net';
import type restify from 'restify';
import { createAdapter, createBot } from '../../src/bot/bot-app';
import { createServer } from '../../src/http/server';
import { freshStore } from '../support/engines';
import { setUpTenant } from '../support/fixtures';

describe('/api/messages with BOT_ID set', () => {
  it('answers an unsigned activity with 401 and runs no handler', async () => {
    const { store, cleanup } = await freshStore('sqlite');
    let server: restify.Server | undefined;
    try {
      const { tollgate } = await setUpTenant(store);
      const config = { botId: '11111111-2222-3333-4444-555555555555', botPassword: 'secret', botTenantId: '' };
      const adapter = createAdapter(config);
      let handled = 0;
      const bot = createBot({ tollgate, config: { ...config, bootstrapAdmins: [] }, adapter, meetingLookup: { describe: async () => undefined }, startTypingTimer: false });
      bot.app.turn('beforeTurn', async () => {
        handled += 1;
        return true;
      });
      server = createServer(tollgate, { maxBodyBytes: 1024 * 1024, bot });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
      const activity = { type: 'message', text: 'balance', channelId: 'msteams', serviceUrl: 'http://127.0.0.1:9/', from: { id: '29:x', aadObjectId: 'u-sub' }, recipient: { id: '28:bot' }, conversation: { id: 'c', tenantId: 'tenant-a' } };
      const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      expect(unsigned.status).toBe(401);
      const forged = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln' }, body: JSON.stringify(activity) });
      expect(forged.status).toBe(401);
      expect(handled).toBe(0);
      const refs = await store.db.selectFrom('conversation_refs').selectAll().execute();
      expect(refs).toHaveLength(0);
    } finally {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await cleanup();
    }
  });
});
