import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Microsoft's login server and the part of Graph a meeting's end needs (the online meeting's dial-in conference id),
 * on 127.0.0.1 over HTTPS with a certificate made for the run (msal only accepts https authorities). The Tollgate
 * child process trusts it through NODE_EXTRA_CA_CERTS=caFile.
 */
export const GRAPH_CLIENT_ID = 'bench-client-id';
export const GRAPH_CLIENT_SECRET = 'bench-client-secret';

export interface FakeGraph {
  graphBaseUrl: string;
  loginBaseUrl: string;
  caFile: string;
  /** joinUrl → the online meeting's dial-in conference id and subject. */
  meetings: Map<string, { conferenceId: string; subject: string }>;
  requests: number;
  close(): Promise<void>;
}

export async function startFakeGraph(): Promise<FakeGraph> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-graph-'));
  const keyFile = path.join(dir, 'key.pem');
  const caFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  const tls = { key: fs.readFileSync(keyFile), cert: fs.readFileSync(caFile) };
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const login = https.createServer(tls, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const base = fake.loginBaseUrl;
      const url = new URL(req.url ?? '/', base);
      const metadata = url.pathname.match(/^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/);
      if (req.method === 'GET' && metadata) {
        const t = metadata[1]!;
        return send(res, 200, {
          token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
          issuer: `${base}/${t}/v2.0`,
        });
      }
      if (req.method === 'POST' && /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname)) {
        const form = new URLSearchParams(body);
        if (form.get('client_id') !== GRAPH_CLIENT_ID || form.get('client_secret') !== GRAPH_CLIENT_SECRET) {
          return send(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
        }
        return send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'bench-token' });
      }
      send(res, 404, { error: 'not_found' });
    });
  });

  const graph = https.createServer(tls, (req, res) => {
    fake.requests += 1;
    const url = new URL(req.url ?? '/', fake.graphBaseUrl);
    const m = url.pathname.match(/^\/v1\.0\/users\/([^/]+)\/onlineMeetings$/);
    if (req.method !== 'GET' || !m) return send(res, 404, { error: { code: 'ResourceNotFound', message: 'no such resource' } });
    if (req.headers.authorization !== 'Bearer bench-token') return send(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'bad token' } });
    const joinUrl = /JoinWebUrl eq '(.*)'$/.exec(url.searchParams.get('$filter') ?? '')?.[1]?.replace(/''/g, "'");
    const meeting = joinUrl ? fake.meetings.get(joinUrl) : undefined;
    const organizer = decodeURIComponent(m[1]!);
    send(res, 200, {
      value: meeting
        ? [{ subject: meeting.subject, joinWebUrl: joinUrl, audioConferencing: { conferenceId: meeting.conferenceId }, participants: { organizer: { identity: { user: { id: organizer } } } } }]
        : [],
    });
  });

  const listen = (server: https.Server) =>
    new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`https://127.0.0.1:${(server.address() as AddressInfo).port}`)));
  const fake: FakeGraph = {
    graphBaseUrl: '',
    loginBaseUrl: '',
    caFile,
    meetings: new Map(),
    requests: 0,
    async close() {
      for (const server of [login, graph]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  fake.loginBaseUrl = await listen(login);
  fake.graphBaseUrl = await listen(graph);
  return fake;
}
