import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { HttpTransport } from './http-transport';

/**
 * msal's network module over Tollgate's HttpTransport, so token requests travel the same way as Graph calls (and a
 * test's transport reaches its fake login server). msal still does all of OAuth: discovery, the client-credentials
 * request, parsing, caching; this only moves bytes. Bodies are parsed like msal's own HttpClient does: JSON, or an
 * error object msal understands when the body is not JSON.
 */
export function msalNetworkClient(transport: HttpTransport, defaultTimeoutMs = 30_000): INetworkModule {
  const send = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> => {
    // A login server that never answers must not hold a sync (or the server's background pass) forever.
    const signal = AbortSignal.timeout(timeout ?? defaultTimeoutMs);
    const res = await transport({ method, url, headers: { ...(options?.headers ?? {}) }, body: method === 'POST' ? (options?.body ?? '') : undefined, signal });
    return { status: res.status, headers: res.headers, body: parseBody(res.status, res.body) as T };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

function parseBody(status: number, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    const kind = status >= 400 && status < 500 ? 'client_error' : status >= 500 ? 'server_error' : 'unknown_error';
    return { error: kind, error_description: `the login server answered ${status} with a body that is not JSON` };
  }
}
