import { executionAsyncId } from 'node:async_hooks';
import { createAdapter } from '../../../src/bot/bot-app';
import { AdapterMessenger } from '../../../src/notify/messenger';
import { startFakeConnector } from '../../resilience/fake-connector';

/**
 * Run as a process of its own (connector-clients.test.ts): whether promise hooks are on is a property of the whole
 * process, and a jest worker may have turned them on in a test file it ran before. Prints, as JSON, the async id seen
 * after an await before and after a delivery (a post and an update through AdapterMessenger, against the fake
 * connector): 0 while promise hooks are off.
 */
async function asyncIdAfterAwait(): Promise<number> {
  await null;
  return executionAsyncId();
}

async function main(): Promise<void> {
  const before = await asyncIdAfterAwait();
  const fake = await startFakeConnector();
  try {
    const adapter = createAdapter({ botId: '', botPassword: '', botTenantId: '' });
    const reference = {
      channelId: 'msteams',
      serviceUrl: `${fake.url}/`,
      conversation: { id: 'a:chat-1', conversationType: 'personal', tenantId: 't', isGroup: false, name: '' },
      bot: { id: '28:tollgate-bot', name: 'Tollgate' },
    };
    const messenger = new AdapterMessenger(adapter, '', { timeoutMs: 5_000 });
    const sent = await messenger.send(reference, { type: 'message', text: 'card' });
    await messenger.update(reference, sent.activityId, { type: 'message', text: 'card, updated' });
    const after = await asyncIdAfterAwait();
    process.stdout.write(JSON.stringify({ before, after, methods: fake.arrivals.map((a) => a.method) }));
  } finally {
    await fake.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
