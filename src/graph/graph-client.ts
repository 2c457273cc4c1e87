import { ConfidentialClientApplication } from '@azure/msal-node';

/** What Tollgate needs from an online meeting: its dial-in conference id links legs to the meeting. */
export interface OnlineMeetingInfo {
  conferenceId?: string;
  organizerId?: string;
  subject?: string;
}

/** The small part of Microsoft Graph Tollgate uses; faked in tests, real in production. */
export interface GraphClient {
  onlineMeeting(tenantId: string, query: { organizerId: string; joinUrl: string }): Promise<OnlineMeetingInfo | undefined>;
}

/** When no Graph app registration is configured: meetings are matched by the ids Teams gives, or not at all. */
export const noGraph: GraphClient = { onlineMeeting: async () => undefined };

export interface GraphSettings {
  clientId: string;
  clientSecret: string;
  /** Defaults: Microsoft's public cloud. Configurable for sovereign clouds and for tests against a local fake. */
  graphBaseUrl?: string;
  loginBaseUrl?: string;
}

/**
 * Graph with an application token per tenant (client credentials via msal-node; tokens are cached by msal).
 * Needs the application permission OnlineMeetings.Read.All with an application access policy for the organizers.
 */
export class MsalGraphClient implements GraphClient {
  private readonly apps = new Map<string, ConfidentialClientApplication>();
  private readonly graphBase: string;
  private readonly loginBase: string;

  constructor(private readonly settings: GraphSettings) {
    this.graphBase = (settings.graphBaseUrl ?? 'https://graph.microsoft.com').replace(/\/$/, '');
    this.loginBase = (settings.loginBaseUrl ?? 'https://login.microsoftonline.com').replace(/\/$/, '');
  }

  async onlineMeeting(tenantId: string, query: { organizerId: string; joinUrl: string }): Promise<OnlineMeetingInfo | undefined> {
    const token = await this.token(tenantId);
    const filter = encodeURIComponent(`JoinWebUrl eq '${query.joinUrl.replace(/'/g, "''")}'`);
    const url = `${this.graphBase}/v1.0/users/${encodeURIComponent(query.organizerId)}/onlineMeetings?$filter=${filter}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`Graph onlineMeetings answered ${res.status}`);
    const body = (await res.json()) as { value?: { subject?: string; audioConferencing?: { conferenceId?: string }; participants?: { organizer?: { identity?: { user?: { id?: string } } } } }[] };
    const meeting = body.value?.[0];
    if (!meeting) return undefined;
    return {
      conferenceId: meeting.audioConferencing?.conferenceId,
      organizerId: meeting.participants?.organizer?.identity?.user?.id ?? query.organizerId,
      subject: meeting.subject,
    };
  }

  private async token(tenantId: string): Promise<string> {
    let app = this.apps.get(tenantId);
    if (!app) {
      app = new ConfidentialClientApplication({
        auth: {
          clientId: this.settings.clientId,
          clientSecret: this.settings.clientSecret,
          authority: `${this.loginBase}/${tenantId}`,
          knownAuthorities: [new URL(this.loginBase).host],
        },
      });
      this.apps.set(tenantId, app);
    }
    const result = await app.acquireTokenByClientCredential({ scopes: [`${this.graphBase}/.default`] });
    if (!result?.accessToken) throw new Error('no Graph token for the tenant');
    return result.accessToken;
  }
}
