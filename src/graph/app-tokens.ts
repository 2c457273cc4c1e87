import { ConfidentialClientApplication } from '@azure/msal-node';
import { defaultTransport, type HttpTransport } from './http-transport';
import { msalNetworkClient } from './msal-network-client';

export interface GraphSettings {
  clientId: string;
  clientSecret: string;
  /** Defaults: Microsoft's public cloud. Configurable for sovereign clouds and for tests against a local fake. */
  graphBaseUrl?: string;
  loginBaseUrl?: string;
}

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com';
export const DEFAULT_LOGIN_BASE_URL = 'https://login.microsoftonline.com';

/** A token held here is renewed this long before it expires (msal's own refresh margin is 5 minutes). */
export const TOKEN_RENEW_MARGIN_MS = 5 * 60_000;

export function graphBaseUrl(settings: GraphSettings): string {
  return (settings.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, '');
}

/**
 * Application tokens for Graph, one msal ConfidentialClientApplication per tenant (client credentials against the
 * tenant's authority); msal caches each token until shortly before it expires.
 */
export class AppTokens {
  private readonly apps = new Map<string, ConfidentialClientApplication>();
  private readonly graphBase: string;
  private readonly loginBase: string;

  constructor(
    private readonly settings: GraphSettings,
    private readonly transport: HttpTransport = defaultTransport,
  ) {
    this.graphBase = graphBaseUrl(settings);
    this.loginBase = (settings.loginBaseUrl ?? DEFAULT_LOGIN_BASE_URL).replace(/\/+$/, '');
  }

  /**
   * Tokens in hand, and requests for them in flight, per tenant. msal has its own cache, but it does not share a
   * request in flight: 200 meetings ending at once asked the token endpoint 7 to 186 times (each a TLS exchange
   * and msal's cache look-up and write) before the first answer was cached. Here concurrent callers wait for the
   * one request, and a token is handed out without msal until TOKEN_RENEW_MARGIN_MS before it expires.
   */
  private readonly tokens = new Map<string, { accessToken: string; renewAt: number }>();
  private readonly inFlight = new Map<string, Promise<string>>();

  async token(tenantId: string): Promise<string> {
    const held = this.tokens.get(tenantId);
    if (held && Date.now() < held.renewAt) return held.accessToken;
    let request = this.inFlight.get(tenantId);
    if (!request) {
      request = this.acquire(tenantId).finally(() => this.inFlight.delete(tenantId));
      this.inFlight.set(tenantId, request);
    }
    return request;
  }

  private async acquire(tenantId: string): Promise<string> {
    let app = this.apps.get(tenantId);
    if (!app) {
      app = new ConfidentialClientApplication({
        auth: {
          clientId: this.settings.clientId,
          clientSecret: this.settings.clientSecret,
          authority: `${this.loginBase}/${encodeURIComponent(tenantId)}`,
          knownAuthorities: [new URL(this.loginBase).host],
        },
        system: { networkClient: msalNetworkClient(this.transport) },
      });
      this.apps.set(tenantId, app);
    }
    const result = await app.acquireTokenByClientCredential({ scopes: [`${this.graphBase}/.default`] });
    if (!result?.accessToken) throw new Error('no Graph token for the tenant');
    if (result.expiresOn) this.tokens.set(tenantId, { accessToken: result.accessToken, renewAt: result.expiresOn.getTime() - TOKEN_RENEW_MARGIN_MS });
    return result.accessToken;
  }
}
