import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { HttpTransport } from '../../../src/graph/http-transport';

/**
 * A local stand-in for Microsoft's login server and Graph, over HTTPS with a self-signed certificate made for the
 * test (msal only accepts https authorities). Two listeners on 127.0.0.1, ephemeral ports: the login base (OpenID
 * metadata and the client-credentials token endpoint) and the Graph base (getPstnCalls with @odata.nextLink pages).
 * Tests script faults per request (throttling, failures, a request that never answers) and read what was asked.
 */
export const CLIENT_ID = 'fake-client-id';
export const CLIENT_SECRET = 'fake-client-secret';

export interface PstnRequest {
  tenant: string;
  from: string;
  to: string;
  /** Offset of the page (0 = first page). */
  skip: number;
  /** 1 for the first request of this page (tenant, window, offset), 2 for its first retry… */
  attempt: number;
  url: string;
}

export interface FaultAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** undefined: serve the page; an answer: send it instead; 'hang': never answer. */
export type Fault = (request: PstnRequest) => FaultAnswer | 'hang' | undefined;

export interface FakeGraph {
  graphBaseUrl: string;
  loginBaseUrl: string;
  /** PEM file of the certificate (for NODE_EXTRA_CA_CERTS in a child process). */
  caFile: string;
  /** An HttpTransport that trusts the fake's certificate (and nothing else). */
  transport: HttpTransport;
  pageSize: number;
  rows: Map<string, Record<string, unknown>[]>;
  /** joinUrl → the online meeting's dial-in conference id and subject (GET /users/{id}/onlineMeetings). */
  meetings: Map<string, { conferenceId: string; subject: string }>;
  /** onlineMeetings requests received. */
  meetingRequests: number;
  /** Every getPstnCalls request, in order, with the status it got. */
  requests: (PstnRequest & { status: number })[];
  tokenRequests: { tenant: string; scope: string; clientId: string }[];
  fault: Fault | undefined;
  /** Every page answer waits this long (to make runs overlap in time). */
  delayMs: number;
  /** getPstnCalls requests received (counted on arrival; `requests` lists them once answered). */
  arrivals: number;
  /** The most getPstnCalls requests of one tenant that were in flight at once. */
  maxInFlight: Map<string, number>;
  /** Called when a request hangs (a test then kills the client). */
  onHang?: (request: PstnRequest) => void;
  /** The windows (from, to) asked for, each once, in order. */
  windows(): [string, string][];
  close(): Promise<void>;
}

function makeCertificate(): { dir: string; key: string; cert: string; caFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-fake-graph-'));
  const keyFile = path.join(dir, 'key.pem');
  const caFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { dir, key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(caFile, 'utf8'), caFile };
}

export function trustingTransport(ca: string): HttpTransport {
  const agent = new https.Agent({ ca, keepAlive: false });
  return (request) =>
    new Promise((resolve, reject) => {
      const req = https.request(request.url, { method: request.method, headers: request.headers, agent, signal: request.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('error', reject);
      if (request.body !== undefined) req.write(request.body);
      req.end();
    });
}

const PSTN_PATH = /^\/v1\.0\/communications\/callRecords\/getPstnCalls\(fromDateTime=([^,]+),toDateTime=([^)]+)\)$/;
const MAX_WINDOW_MS = 90 * 24 * 60 * 60 * 1000;

export async function startFakeGraph(options: { pageSize?: number } = {}): Promise<FakeGraph> {
  const { dir, key, cert, caFile } = makeCertificate();
  const tokens = new Map<string, string>();
  const attempts = new Map<string, number>();
  const inFlight = new Map<string, number>();
  let tokenCount = 0;

  const send = (res: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const login = https.createServer({ key, cert }, (req, res) => {
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
      const token = url.pathname.match(/^\/([^/]+)\/oauth2\/v2\.0\/token$/);
      if (req.method === 'POST' && token) {
        const form = new URLSearchParams(body);
        const tenant = decodeURIComponent(token[1]!);
        fake.tokenRequests.push({ tenant, scope: form.get('scope') ?? '', clientId: form.get('client_id') ?? '' });
        if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET) {
          return send(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
        }
        const accessToken = `fake-token-${++tokenCount}`;
        tokens.set(accessToken, tenant);
        return send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
      }
      send(res, 404, { error: 'not_found' });
    });
  });

  const graph = https.createServer({ key, cert }, (req, res) => {
    const url = new URL(req.url ?? '/', fake.graphBaseUrl);
    // The online meeting behind a join URL (the post-meeting card's dial-in conference id).
    const meetingsOf = url.pathname.match(/^\/v1\.0\/users\/([^/]+)\/onlineMeetings$/);
    if (req.method === 'GET' && meetingsOf) {
      if (!tokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
        return send(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty or invalid.' } });
      }
      fake.meetingRequests += 1;
      const joinUrl = /JoinWebUrl eq '(.*)'$/.exec(url.searchParams.get('$filter') ?? '')?.[1]?.replace(/''/g, "'");
      const meeting = joinUrl ? fake.meetings.get(joinUrl) : undefined;
      const organizer = decodeURIComponent(meetingsOf[1]!);
      return send(res, 200, {
        value: meeting
          ? [{ subject: meeting.subject, joinWebUrl: joinUrl, audioConferencing: { conferenceId: meeting.conferenceId }, participants: { organizer: { identity: { user: { id: organizer } } } } }]
          : [],
      });
    }
    const m = decodeURIComponent(url.pathname).match(PSTN_PATH);
    if (req.method !== 'GET' || !m) return send(res, 404, { error: { code: 'ResourceNotFound', message: 'no such resource' } });
    const tenant = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!tenant) return send(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty or invalid.' } });
    const [from, to] = [m[1]!, m[2]!];
    const fromMs = Date.parse(from);
    const toMs = Date.parse(to);
    const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
    const key = `${tenant}|${from}|${to}|${skip}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const request: PstnRequest = { tenant, from, to, skip, attempt, url: `${fake.graphBaseUrl}${req.url}` };
    const record = (status: number) => fake.requests.push({ ...request, status });
    fake.arrivals += 1;
    const current = (inFlight.get(tenant) ?? 0) + 1;
    inFlight.set(tenant, current);
    fake.maxInFlight.set(tenant, Math.max(current, fake.maxInFlight.get(tenant) ?? 0));
    res.on('close', () => inFlight.set(tenant, (inFlight.get(tenant) ?? 1) - 1));
    const answer = () => {
      if (Number.isNaN(fromMs) || Number.isNaN(toMs) || toMs < fromMs || toMs - fromMs > MAX_WINDOW_MS) {
        record(400);
        return send(res, 400, { error: { code: 'BadRequest', message: 'The date range must be at most 90 days.' } });
      }
      const fault = fake.fault?.(request);
      if (fault === 'hang') {
        record(0);
        fake.onHang?.(request);
        return; // never answers; close() drops the connection
      }
      if (fault) {
        record(fault.status);
        return send(res, fault.status, fault.body ?? { error: { code: 'Throttled', message: `fake ${fault.status}` } }, fault.headers);
      }
      // Inclusive on both ends, filtered on the start time, ordered: what getPstnCalls promises.
      const matching = (fake.rows.get(tenant) ?? [])
        .filter((r) => {
          const at = Date.parse(r.startDateTime as string);
          return at >= fromMs && at <= toMs;
        })
        .sort((x, y) => String(x.startDateTime).localeCompare(String(y.startDateTime)) || String(x.id).localeCompare(String(y.id)));
      const value = matching.slice(skip, skip + fake.pageSize);
      const next = skip + fake.pageSize < matching.length ? skip + fake.pageSize : undefined;
      record(200);
      send(res, 200, {
        '@odata.context': `${fake.graphBaseUrl}/v1.0/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)`,
        '@odata.count': value.length,
        value,
        ...(next !== undefined
          ? { '@odata.nextLink': `${fake.graphBaseUrl}/v1.0/communications/callRecords/getPstnCalls(fromDateTime=${from},toDateTime=${to})?$skiptoken=${next}` }
          : {}),
      });
    };
    if (fake.delayMs > 0) setTimeout(answer, fake.delayMs);
    else answer();
  });

  const listen = (server: https.Server) =>
    new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`https://127.0.0.1:${(server.address() as AddressInfo).port}`)));

  const fake: FakeGraph = {
    graphBaseUrl: '',
    loginBaseUrl: '',
    caFile,
    transport: trustingTransport(cert),
    pageSize: options.pageSize ?? 3,
    rows: new Map(),
    meetings: new Map(),
    meetingRequests: 0,
    requests: [],
    tokenRequests: [],
    fault: undefined,
    delayMs: 0,
    arrivals: 0,
    maxInFlight: new Map(),
    windows() {
      const seen = new Set<string>();
      const out: [string, string][] = [];
      for (const r of this.requests) {
        const k = `${r.from}|${r.to}`;
        if (!seen.has(k)) {
          seen.add(k);
          out.push([r.from, r.to]);
        }
      }
      return out;
    },
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
