import { ConfidentialClientApplication } from '@azure/msal-node';
import { fetchTransport, type HttpTransport } from './http-transport';
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
    private readonly transport: HttpTransport = fetchTransport,
  ) {
    this.graphBase = graphBaseUrl(settings);
    this.loginBase = (settings.loginBaseUrl ?? DEFAULT_LOGIN_BASE_URL).replace(/\/+$/, '');
  }

  async token(tenantId: string): Promise<string> {
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
    return result.accessToken;
  }
}
