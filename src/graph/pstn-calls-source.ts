import { AppTokens, graphBaseUrl, type GraphSettings } from './app-tokens';
import { GraphSyncError } from './graph-sync-error';
import { defaultTransport, type HttpTransport } from './http-transport';
import { graphDateTime, type SyncWindow } from './sync-windows';

export interface PstnCallsPage {
  /** pstnCallLogRow objects as Graph sent them; Intake validates them. */
  rows: unknown[];
  /** The next page of the same window (`@odata.nextLink`), or null on the last page. */
  nextLink: string | null;
}

/** One answer: a page, or Graph's refusal with its status (the caller decides whether to retry). */
export type PstnCallsAnswer =
  | { ok: true; page: PstnCallsPage }
  | { ok: false; status: number; retryAfter?: string; message: string };

/** Where PSTN call records come from: Graph's getPstnCalls (the port the sync depends on). */
export interface PstnCallsSource {
  firstPageUrl(window: SyncWindow): string;
  /** Throws only when no HTTP answer came (network, timeout, abort) or no token could be had. */
  get(tenantId: string, url: string, signal?: AbortSignal): Promise<PstnCallsAnswer>;
}

/**
 * `GET /communications/callRecords/getPstnCalls(fromDateTime=…,toDateTime=…)` with the tenant's application token
 * (permission CallRecord-PstnCalls.Read.All). Pages are followed by the caller through `@odata.nextLink`.
 */
export class GraphPstnCallsSource implements PstnCallsSource {
  private readonly graphBase: string;
  private readonly tokens: AppTokens;
  private readonly transport: HttpTransport;

  /** `tokens`: share one token cache with the process's other Graph uses; `transport`: how to reach Graph (tests). */
  constructor(settings: GraphSettings, options: { transport?: HttpTransport; tokens?: AppTokens } = {}) {
    this.graphBase = graphBaseUrl(settings);
    this.transport = options.transport ?? defaultTransport;
    this.tokens = options.tokens ?? new AppTokens(settings, this.transport);
  }

  firstPageUrl(window: SyncWindow): string {
    return `${this.graphBase}/v1.0/communications/callRecords/getPstnCalls(fromDateTime=${graphDateTime(window.from)},toDateTime=${graphDateTime(window.to)})`;
  }

  async get(tenantId: string, url: string, signal?: AbortSignal): Promise<PstnCallsAnswer> {
    // A next link comes from the response: the tenant's token goes to the configured Graph only.
    if (!this.isGraphUrl(url)) {
      throw new GraphSyncError('graph_bad_response', `Graph sent a next page outside ${this.graphBase}; not following it`);
    }
    let token: string;
    try {
      token = await this.tokens.token(tenantId);
    } catch (err) {
      throw new GraphSyncError(
        'graph_token_failed',
        `cannot get a Graph token for tenant ${tenantId}: ${(err as Error).message.split('\n')[0]} ` +
          '(check GRAPH_CLIENT_ID/GRAPH_CLIENT_SECRET and that an admin of the tenant consented to the app)',
      );
    }
    const res = await this.transport({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal });
    if (res.status !== 200) {
      return { ok: false, status: res.status, retryAfter: res.headers['retry-after'], message: graphErrorMessage(res.body) };
    }
    let body: { value?: unknown; '@odata.nextLink'?: unknown };
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch {
      throw new GraphSyncError('graph_bad_response', 'Graph answered 200 with a body that is not JSON');
    }
    const nextLink = body['@odata.nextLink'];
    if (!Array.isArray(body.value) || (nextLink !== undefined && nextLink !== null && typeof nextLink !== 'string')) {
      throw new GraphSyncError('graph_bad_response', 'Graph answered 200 without a "value" array of call records');
    }
    const next = typeof nextLink === 'string' && nextLink !== '' ? nextLink : null;
    if (next !== null && !this.isGraphUrl(next)) {
      throw new GraphSyncError('graph_bad_response', `Graph sent a next page outside ${this.graphBase}; not following it`);
    }
    return { ok: true, page: { rows: body.value, nextLink: next } };
  }

  private isGraphUrl(url: string): boolean {
    return url.startsWith(`${this.graphBase}/`);
  }
}

/** Graph errors are `{ "error": { "code", "message" } }`; anything else is summarized. */
function graphErrorMessage(body: string): string {
  try {
    const e = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
    if (e && (e.code || e.message)) return [e.code, e.message].filter(Boolean).join(': ');
  } catch {
    // not JSON: fall through
  }
  return body.trim().slice(0, 200) || 'no details';
}
