import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppTokens } from '../../src/graph/app-tokens';
import { MsalGraphClient } from '../../src/graph/graph-client';
import { keepAliveTransport } from '../../src/graph/http-transport';
import { CLIENT_ID, CLIENT_SECRET, startFakeGraph } from './support/fake-graph';

/**
 * Graph's transport keeps its connections and caps them per origin: 200 meetings ending at once must not open 200
 * TLS connections (one handshake each), and the requests beyond the cap wait for a free connection, not fail.
 */
describe('Graph transport: kept-alive connections, capped per origin', () => {
  let server: http.Server;
  let base: string;
  let connections = 0;
  let open = 0;
  let maxOpen = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    const served = new WeakMap<object, number>();
    server = http.createServer((req, res) => {
      // /drop-reused: the server drops a kept-alive connection as its next request arrives (an idle timeout racing it).
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (req.url?.startsWith('/drop-reused') && n > 1) return void req.socket.destroy();
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () =>
        setTimeout(() => {
          inFlight -= 1;
          res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-Echo': 'yes' });
          res.end(JSON.stringify({ url: req.url, method: req.method, body }));
        }, 5),
      );
    });
    server.on('connection', (socket) => {
      connections += 1;
      open += 1;
      maxOpen = Math.max(maxOpen, open);
      socket.on('close', () => (open -= 1));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    connections = 0;
    maxOpen = 0;
    maxInFlight = 0;
  });

  it('sends 50 requests at once over at most the cap of connections, and reuses them for the next ones', async () => {
    const transport = keepAliveTransport({ maxConnectionsPerOrigin: 4 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => transport({ method: 'GET', url: `${base}/item/${i}`, headers: { accept: 'application/json' } })));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(answers.map((a) => (JSON.parse(a.body) as { url: string }).url)).toEqual(Array.from({ length: 50 }, (_, i) => `/item/${i}`));
    expect(answers[0]!.headers['x-echo']).toBe('yes');
    expect(connections).toBeLessThanOrEqual(4);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    const before = connections;
    await Promise.all(Array.from({ length: 8 }, (_, i) => transport({ method: 'GET', url: `${base}/again/${i}`, headers: {} })));
    expect(connections).toBe(before);
  });

  it('posts bodies, and hands back statuses that are not 2xx as they are', async () => {
    const transport = keepAliveTransport({ maxConnectionsPerOrigin: 2 });
    const posted = await transport({ method: 'POST', url: `${base}/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&é=1' });
    expect(JSON.parse(posted.body)).toEqual({ url: '/token', method: 'POST', body: 'grant_type=client_credentials&é=1' });
    expect((await transport({ method: 'GET', url: `${base}/missing`, headers: {} })).status).toBe(404);
  });

  it('a connection the server closed while idle is not used again: the next request still gets its answer', async () => {
    const transport = keepAliveTransport({ maxConnectionsPerOrigin: 1 });
    expect((await transport({ method: 'GET', url: `${base}/first`, headers: {} })).status).toBe(200);
    server.closeAllConnections();
    await new Promise((r) => setTimeout(r, 20));
    expect((await transport({ method: 'GET', url: `${base}/second`, headers: {} })).status).toBe(200);
  });

  it('a GET whose kept-alive connection is dropped as it is sent goes again once on a new one; a POST fails', async () => {
    const transport = keepAliveTransport({ maxConnectionsPerOrigin: 1 });
    expect((await transport({ method: 'GET', url: `${base}/drop-reused/1`, headers: {} })).status).toBe(200);
    const before = connections;
    const again = await transport({ method: 'GET', url: `${base}/drop-reused/2`, headers: {} });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ url: '/drop-reused/2' });
    expect(connections).toBe(before + 1);
    // The new connection is kept in turn: a POST on it is dropped, and not sent twice.
    await expect(transport({ method: 'POST', url: `${base}/drop-reused/3`, headers: {}, body: 'x' })).rejects.toThrow(/reset/);
  });

  it('fails a request that gets no answer within its idle timeout', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const transport = keepAliveTransport({ idleTimeoutMs: 100 });
      await expect(transport({ method: 'GET', url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, headers: {} })).rejects.toThrow(/no answer/);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it("MsalGraphClient finds an online meeting's conference id over it (HTTPS, the fake Graph's certificate)", async () => {
    const fake = await startFakeGraph();
    try {
      fake.meetings.set('https://teams.microsoft.com/l/meetup-join/x', { conferenceId: 'conf-x', subject: "Budget's review" });
      const transport = keepAliveTransport({ ca: fs.readFileSync(fake.caFile, 'utf8') });
      const settings = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, graphBaseUrl: fake.graphBaseUrl, loginBaseUrl: fake.loginBaseUrl };
      const graph = new MsalGraphClient(settings, new AppTokens(settings, transport), transport);
      const found = await Promise.all(
        Array.from({ length: 10 }, () => graph.onlineMeeting('tenant-a', { organizerId: 'org-1', joinUrl: 'https://teams.microsoft.com/l/meetup-join/x' })),
      );
      expect(found).toEqual(Array(10).fill({ conferenceId: 'conf-x', organizerId: 'org-1', subject: "Budget's review" }));
      expect(await graph.onlineMeeting('tenant-a', { organizerId: 'org-1', joinUrl: 'https://teams.microsoft.com/l/meetup-join/none' })).toBeUndefined();
      expect(fake.meetingRequests).toBe(11);
      expect(fake.tokenRequests).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it("checks the server's certificate on every connection: one it was not given the CA of is refused", async () => {
    const fake = await startFakeGraph();
    try {
      const trusting = keepAliveTransport({ ca: fs.readFileSync(fake.caFile, 'utf8'), maxConnectionsPerOrigin: 2 });
      const url = `${fake.graphBaseUrl}/v1.0/users/org-1/onlineMeetings`;
      // Several connections from one transport (one TLS context for all): each trusts the given CA.
      const answers = await Promise.all(Array.from({ length: 4 }, () => trusting({ method: 'GET', url, headers: {} })));
      expect(answers.every((a) => a.status > 0)).toBe(true);
      // The machine's usual roots do not include the fake's own CA.
      await expect(keepAliveTransport()({ method: 'GET', url, headers: {} })).rejects.toThrow(/certificate/);
    } finally {
      await fake.close();
    }
  });
});
