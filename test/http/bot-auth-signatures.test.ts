import { createHmac, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type restify from 'restify';
import { CallerIdConstants } from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';
import { createAdapter, createBot } from '../../src/bot/bot-app';
import { createServer } from '../../src/http/server';
import type { Store } from '../../src/store/database';
import { freshStore } from '../support/engines';
import { setUpTenant } from '../support/fixtures';
import { closeServer, listenLocally } from '../support/http-server';

/**
 * /api/messages with BOT_ID set, against a local stand-in for the Bot Framework's OpenID endpoint (the one thing
 * outside the process): it publishes one signing key, endorsed for msteams. A request signed with that key and the
 * right claims reaches the bot; every badly signed one (another key under the same kid, no signature, HMAC with the
 * public key, another audience, expired, a key not endorsed for the channel, a claim for another service URL) gets
 * 401 and reaches no handler.
 */
const BOT_ID = '11111111-2222-3333-4444-555555555555';
const SERVICE_URL = 'https://smba.trafficmanager.net/amer/';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function signRs256(key: KeyObject, header: object, claims: object): string {
  const data = `${b64({ typ: 'JWT', alg: 'RS256', ...header })}.${b64(claims)}`;
  return `${data}.${createSign('RSA-SHA256').update(data).sign(key).toString('base64url')}`;
}

describe('/api/messages with BOT_ID set: signatures', () => {
  const microsoft = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const webchatOnly = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let openId: http.Server;
  let server: restify.Server;
  let store: Store;
  let cleanup: () => Promise<void>;
  let url: string;
  let handled = 0;
  // botbuilder logs every refused token with console.error.
  const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);

  beforeAll(async () => {
    openId = http.createServer((req, res) => {
      const base = `http://127.0.0.1:${(openId.address() as AddressInfo).port}`;
      const jwk = (k: KeyObject, kid: string, endorsements: string[]) => ({ ...k.export({ format: 'jwk' }), kid, use: 'sig', endorsements });
      const body =
        req.url === '/keys'
          ? { keys: [jwk(microsoft.publicKey, 'ms-key', ['msteams']), jwk(webchatOnly.publicKey, 'webchat-key', ['webchat'])] }
          : { issuer: 'https://api.botframework.com', jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ['RS256'] };
      // Two calls: restify patches ServerResponse, and its writeHead does not return the response.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => openId.listen(0, '127.0.0.1', resolve));
    const metadata = `http://127.0.0.1:${(openId.address() as AddressInfo).port}/.well-known/openidconfiguration`;

    ({ store, cleanup } = await freshStore('sqlite'));
    const { tollgate } = await setUpTenant(store);
    const config = { botId: BOT_ID, botPassword: 'secret', botTenantId: '' };
    // The public cloud's settings, but the keys from the stand-in (one set means all must be: botbuilder's rule).
    const adapter = createAdapter(config, {
      ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      ToBotFromChannelOpenIdMetadataUrl: metadata,
      ToBotFromEmulatorOpenIdMetadataUrl: metadata,
      CallerId: CallerIdConstants.PublicAzureChannel,
      ValidateAuthority: true,
    });
    const bot = createBot({ tollgate, config: { ...config, bootstrapAdmins: [] }, adapter, meetingLookup: { describe: async () => undefined }, startTypingTimer: false });
    // Counts the turns that got in, and ends each before it answers (an answer would call the real connector).
    bot.app.turn('beforeTurn', async () => {
      handled += 1;
      return false;
    });
    server = createServer(tollgate, { maxBodyBytes: 1024 * 1024, bot });
    url = `${await listenLocally(server)}/api/messages`;
  });
  afterAll(async () => {
    await closeServer(server);
    await new Promise<void>((resolve) => openId.close(() => resolve()));
    await cleanup();
    errors.mockRestore();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => ({ iss: 'https://api.botframework.com', aud: BOT_ID, serviceurl: SERVICE_URL, nbf: now() - 60, iat: now() - 60, exp: now() + 600, ...over });
  const post = (token: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ type: 'message', text: 'balance', channelId: 'msteams', serviceUrl: SERVICE_URL, from: { id: '29:x', aadObjectId: 'u-sub' }, recipient: { id: '28:bot' }, conversation: { id: 'c', tenantId: 'tenant-a' } }),
    });

  it('lets a request signed by the published key, for this bot, reach the bot', async () => {
    const before = handled;
    const res = await post(signRs256(microsoft.privateKey, { kid: 'ms-key' }, claims()));
    expect(res.status).toBe(200);
    expect(handled).toBe(before + 1);
  });

  const pem = microsoft.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const forged: [string, () => string][] = [
    ['signed with another key under the published kid', () => signRs256(attacker.privateKey, { kid: 'ms-key' }, claims())],
    ['signed with a key nobody published', () => signRs256(attacker.privateKey, { kid: 'attacker-key' }, claims())],
    ['not signed at all (alg none)', () => `${b64({ typ: 'JWT', alg: 'none', kid: 'ms-key' })}.${b64(claims())}.`],
    ['signed with HMAC over the public key (algorithm confusion)', () => {
      const data = `${b64({ typ: 'JWT', alg: 'HS256', kid: 'ms-key' })}.${b64(claims())}`;
      return `${data}.${createHmac('sha256', pem).update(data).digest('base64url')}`;
    }],
    ['signed by the published key for another bot', () => signRs256(microsoft.privateKey, { kid: 'ms-key' }, claims({ aud: '99999999-2222-3333-4444-555555555555' }))],
    ['expired', () => signRs256(microsoft.privateKey, { kid: 'ms-key' }, claims({ exp: now() - 600, nbf: now() - 1200, iat: now() - 1200 }))],
    ['not valid yet', () => signRs256(microsoft.privateKey, { kid: 'ms-key' }, claims({ nbf: now() + 3600 }))],
    ['signed by a key endorsed only for another channel', () => signRs256(webchatOnly.privateKey, { kid: 'webchat-key' }, claims())],
    ['for another service URL', () => signRs256(microsoft.privateKey, { kid: 'ms-key' }, claims({ serviceurl: 'https://evil.example/' }))],
    ['from another issuer', () => signRs256(microsoft.privateKey, { kid: 'ms-key' }, claims({ iss: 'https://evil.example/' }))],
  ];

  it.each(forged)('answers a token %s with 401, and no handler runs', async (_what, token) => {
    const before = handled;
    const res = await post(token());
    expect(res.status).toBe(401);
    expect(handled).toBe(before);
  });
});
