import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Activity, ConversationReference, TurnContext } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity, type BotFrameworkAuthentication, type ConnectorClient } from 'botframework-connector';
import { TeamsAdapter } from '@microsoft/teams-ai';
import { createAdapter } from '../../src/bot/bot-app';
import type { SharedClientsAuthentication } from '../../src/bot/connector-clients';
import { AdapterMessenger, DeliveryError } from '../../src/notify/messenger';
import { startFakeConnector, type FakeConnector } from '../resilience/fake-connector';
import { scaled } from '../support/time-scale';

/**
 * Connector clients are kept and shared between turns (src/bot/connector-clients.ts), against a local stand-in for
 * Teams' connector (the one thing outside the process). What must hold:
 * - inbound turns to one service URL use one client (and so one kept-alive connection), another URL another;
 * - proactive deliveries use clients of their own, also kept: each request is sent once (no hidden retry) and is
 *   bounded by its own delivery's deadline, even while another delivery with another deadline shares the client;
 * - replies inside inbound turns keep the SDK's retries;
 * - with BOT_ID set, a client's credentials are those of the app id the turn is for.
 */
describe('shared Bot Framework connector clients', () => {
  let fake: FakeConnector;
  let other: FakeConnector;
  let adapter: TeamsAdapter;

  beforeEach(async () => {
    fake = await startFakeConnector();
    other = await startFakeConnector();
    adapter = createAdapter({ botId: '', botPassword: '', botTenantId: '' });
  });
  afterEach(async () => {
    await fake.close();
    await other.close();
  });

  const auth = (a: TeamsAdapter) => (a as unknown as { botFrameworkAuthentication: SharedClientsAuthentication }).botFrameworkAuthentication;
  const clientOf = (context: TurnContext) => context.turnState.get(adapter.ConnectorClientKey) as ConnectorClient;
  const message = (serviceUrl: string, text: string): Activity =>
    ({
      type: 'message',
      id: `in-${text}`,
      text,
      channelId: 'msteams',
      serviceUrl,
      from: { id: '29:alex', name: 'Alex' },
      recipient: { id: '28:tollgate-bot', name: 'Tollgate' },
      conversation: { id: 'a:chat-1', conversationType: 'personal', tenantId: 't' },
    }) as Activity;
  /** One inbound turn (local mode: no token) that answers `reply`; returns its connector client. */
  const turn = async (serviceUrl: string, reply: string): Promise<ConnectorClient> => {
    let client: ConnectorClient | undefined;
    await adapter.processActivityDirect('', message(serviceUrl, reply), async (context) => {
      client = clientOf(context);
      await context.sendActivity(reply);
    });
    return client!;
  };
  const reference = (serviceUrl: string): Partial<ConversationReference> => ({
    channelId: 'msteams',
    serviceUrl,
    conversation: { id: 'a:chat-1', conversationType: 'personal', tenantId: 't', isGroup: false, name: '' },
    bot: { id: '28:tollgate-bot', name: 'Tollgate' },
  });

  it('gives inbound turns to one service URL one client, over one connection, and another URL its own', async () => {
    const first = await turn(`${fake.url}/`, 'one');
    const second = await turn(`${fake.url}/`, 'two');
    expect(second).toBe(first);
    expect(fake.posts.map((p) => p.activity.text)).toEqual(['one', 'two']);
    expect(new Set(fake.arrivals.map((a) => a.remotePort)).size).toBe(1); // kept alive, not a connection per turn
    const elsewhere = await turn(`${other.url}/`, 'three');
    expect(elsewhere).not.toBe(first);
    expect(other.posts.map((p) => p.activity.text)).toEqual(['three']);
    expect(auth(adapter).connectorClientCount).toBe(2);
  });

  it('sends each delivery once, on a client of its own that is kept, while inbound replies keep their retries', async () => {
    await turn(`${fake.url}/`, 'hello');
    const messenger = new AdapterMessenger(adapter, '', { timeoutMs: 5_000 });
    fake.fault = (request) => (request.body.includes('"card 1"') ? { status: 500 } : undefined);
    const failed = await messenger.send(reference(`${fake.url}/`), { type: 'message', text: 'card 1' }).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(DeliveryError);
    expect((failed as DeliveryError).message).toMatch(/\(500\)/);
    expect(fake.arrivals.filter((a) => a.body.includes('"card 1"'))).toHaveLength(1); // no hidden retry
    fake.fault = (request) => (request.body.includes('"card 2"') && request.n <= 3 ? { status: 429, headers: { 'retry-after': '1' } } : undefined);
    const throttled = await messenger.send(reference(`${fake.url}/`), { type: 'message', text: 'card 2' }).catch((err: unknown) => err);
    expect((throttled as DeliveryError).retryAfterMs).toBe(1_000);
    expect(fake.arrivals.filter((a) => a.body.includes('"card 2"'))).toHaveLength(1); // Retry-After not waited out inside
    fake.fault = undefined;
    const sent = await messenger.send(reference(`${fake.url}/`), { type: 'message', text: 'card 3' });
    expect(fake.posts.map((p) => p.id)).toContain(sent.activityId);
    // One client for inbound turns, one for deliveries, whatever the number of turns and deliveries.
    expect(auth(adapter).connectorClientCount).toBe(2);

    // The inbound turn's client did not become one for deliveries: the SDK still retries its 500.
    let replies = 0;
    fake.fault = (request) => (request.body.includes('"retried reply"') && ++replies === 1 ? { status: 500 } : undefined);
    await turn(`${fake.url}/`, 'retried reply');
    expect(fake.arrivals.filter((a) => a.body.includes('"retried reply"'))).toHaveLength(2);
    expect(fake.posts.filter((p) => p.activity.text === 'retried reply')).toHaveLength(1);
    expect(auth(adapter).connectorClientCount).toBe(2);
  });

  it("bounds each delivery's request by its own deadline while deliveries share the client", async () => {
    fake.fault = (request) => (request.body.includes('"short"') || request.body.includes('"long"') ? 'hold' : undefined);
    const short = new AdapterMessenger(adapter, '', { timeoutMs: 300 });
    const long = new AdapterMessenger(adapter, '', { timeoutMs: 20_000 });
    const longSend = long.send(reference(`${fake.url}/`), { type: 'message', text: 'long' });
    while (fake.held.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const shortFailure = await short.send(reference(`${fake.url}/`), { type: 'message', text: 'short' }).catch((err: unknown) => err);
    expect((shortFailure as DeliveryError).message).toBe('the connector did not answer within 300 ms (it may have received the message)');
    const heldShort = fake.held.find((h) => h.request.body.includes('"short"'))!;
    const heldLong = fake.held.find((h) => h.request.body.includes('"long"'))!;
    // The short delivery's request itself was aborted at its deadline (not just given up on by the messenger)...
    while (!heldShort.closed()) await new Promise((resolve) => setTimeout(resolve, 5));
    // ...and the long one, on the same client, is still waiting, past the short one's deadline.
    expect(heldLong.closed()).toBe(false);
    heldLong.release();
    const sent = await longSend;
    expect(fake.posts.map((p) => p.id)).toEqual([sent.activityId]);
    expect(auth(adapter).connectorClientCount).toBe(1);
  });

  it('turns on no promise hooks: a delivery finds its deadline without the async context', () => {
    // With promise hooks on (any AsyncLocalStorage used once, on Node 20), every promise gets an async id, and every
    // promise of the process pays for it from then on. Whether they are on is the whole process's state (a jest
    // worker may have turned them on in a file it ran before), so the delivery runs in a process of its own.
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'support', 'delivery-promise-hooks.ts')], { encoding: 'utf8', timeout: scaled(60_000) });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ before: 0, after: 0, methods: ['POST', 'PUT'] });
  });

  it('refuses to deliver through an adapter that would give the delivery an ordinary, retrying client', async () => {
    const plain = new TeamsAdapter({}, undefined);
    const failed = await new AdapterMessenger(plain, '').send(reference(`${fake.url}/`), { type: 'message', text: 'card' }).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(DeliveryError);
    expect((failed as DeliveryError).message).toMatch(/retries on its own: not sending/);
    expect(fake.arrivals).toEqual([]);
  });

  it('with BOT_ID set, keeps one client per app id, with that app id’s credentials, and keeps no failed build', async () => {
    const botId = '11111111-2222-3333-4444-555555555555';
    const withId = createAdapter({ botId, botPassword: 'secret', botTenantId: '' });
    const shared = auth(withId) as unknown as BotFrameworkAuthentication;
    const claims = (appId: string) => new ClaimsIdentity([{ type: AuthenticationConstants.AudienceClaim, value: appId }], true);
    const url = `${fake.url}/`;
    const mine = await shared.createConnectorFactory(claims(botId)).create(url, AuthenticationConstants.ToChannelFromBotOAuthScope);
    const again = await shared.createConnectorFactory(claims(botId)).create(url, AuthenticationConstants.ToChannelFromBotOAuthScope);
    expect(again).toBe(mine);
    expect((mine.credentials as { appId?: string }).appId).toBe(botId);
    // Another app id is refused by the credentials factory (not this bot): nothing kept, and it does not stick.
    await expect(shared.createConnectorFactory(claims('99999999-2222-3333-4444-555555555555')).create(url)).rejects.toThrow(/Invalid appId/);
    expect(auth(withId).connectorClientCount).toBe(1);
    const tokens = await shared.createUserTokenClient(claims(botId));
    expect(await shared.createUserTokenClient(claims(botId))).toBe(tokens);
  });
});
