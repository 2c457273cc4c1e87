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
 * Graph calls go through one transport. Production uses Node's fetch; tests pass one that trusts their local fake
 * server's self-signed certificate.
 */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

export const fetchTransport: HttpTransport = async (request) => {
  const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal: request.signal });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { status: res.status, headers, body: await res.text() };
};
