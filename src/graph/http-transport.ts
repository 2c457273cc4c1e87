import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

/** One HTTP exchange, as Graph and the token endpoint need it. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * How Tollgate talks HTTP to Microsoft: the token requests (through msal, see msal-network-client.ts) and the
 * Graph calls go through one transport. Production uses defaultTransport (kept-alive connections, capped per
 * origin); tests pass one that trusts their local fake server's self-signed certificate.
 */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * Connections to one Graph or login origin at most, and how long a request may go without a byte before it fails.
 *
 * Why a cap, and why this one: fetch (undici's default agent) opens a connection for every request that finds none
 * idle, so 200 meetings ending at once opened 200 TLS connections to Graph, a full handshake each (a third of the
 * burst's CPU was HTTP and TLS). With a keep-alive pool capped at 32 per origin the burst does at most 32 handshakes
 * and reuses those connections; the other requests queue for a free one. Against the real Graph (a request takes
 * ~100-300 ms) 200 requests over 32 connections wait at most ~6-7 round trips, 1-2 s, for the last card of such a
 * burst: an acceptable delay for a card that follows a meeting's end, and fewer requests in flight at once also
 * stays further from Graph's per-tenant throttling (429s would cost far more). Connections stay open while idle for
 * FREE_SOCKET_TIMEOUT_MS, shorter than the idle time Microsoft's front ends allow, so a reused one is rarely closed
 * under us; when it is (ECONNRESET on a reused connection), an idempotent GET is sent again once on a new one.
 */
export const MAX_CONNECTIONS_PER_ORIGIN = 32;
const FREE_SOCKET_TIMEOUT_MS = 30_000;
export const REQUEST_IDLE_TIMEOUT_MS = 30_000;

/**
 * HttpTransport over node:https (or node:http) with one keep-alive agent: connections are reused across requests
 * (see MAX_CONNECTIONS_PER_ORIGIN). Certificates are checked as for any Node client (NODE_EXTRA_CA_CERTS included);
 * `ca` replaces the trusted roots (tests).
 */
export function keepAliveTransport(options: { maxConnectionsPerOrigin?: number; ca?: string; idleTimeoutMs?: number } = {}): HttpTransport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxConnectionsPerOrigin ?? MAX_CONNECTIONS_PER_ORIGIN, timeout: FREE_SOCKET_TIMEOUT_MS, scheduling: 'lifo' as const };
  // One TLS context for every connection: given none, each connection builds its own from the options (with `ca`,
  // parsing the certificates again each time).
  const secureContext = tls.createSecureContext(options.ca !== undefined ? { ca: options.ca } : {});
  const httpsAgent = new https.Agent({ ...agentOptions, secureContext });
  const httpAgent = new http.Agent(agentOptions);
  const idleTimeoutMs = options.idleTimeoutMs ?? REQUEST_IDLE_TIMEOUT_MS;
  const once = (request: HttpRequest): Promise<HttpResponse & { reusedSocketFailed?: boolean }> =>
    new Promise((resolve, reject) => {
      const secure = request.url.startsWith('https:');
      const headers = request.body !== undefined ? { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) } : request.headers;
      const req = (secure ? https : http).request(request.url, { method: request.method, headers, agent: secure ? httpsAgent : httpAgent, signal: request.signal }, (res) => {
        res.setEncoding('utf8');
        let body = '';
        res.on('data', (chunk: string) => (body += chunk));
        res.on('error', reject);
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: res.statusCode ?? 0, headers: out, body });
        });
      });
      req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no answer from ${new URL(request.url).origin} for ${idleTimeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        // The server closed an idle kept-alive connection as we reused it: nothing was processed.
        if (req.reusedSocket && err.code === 'ECONNRESET') resolve({ status: 0, headers: {}, body: '', reusedSocketFailed: true });
        else reject(err);
      });
      req.end(request.body);
    });
  return async (request) => {
    const first = await once(request);
    if (!first.reusedSocketFailed) return first;
    if (request.method !== 'GET') throw new Error(`the connection to ${new URL(request.url).origin} was reset`);
    const again = await once(request);
    if (again.reusedSocketFailed) throw new Error(`the connection to ${new URL(request.url).origin} was reset`);
    return again;
  };
}

/** The process's transport to Graph and its login server: one pool of kept-alive connections for every use. */
export const defaultTransport: HttpTransport = keepAliveTransport();
