import { AppTokens, graphBaseUrl, type GraphSettings } from './app-tokens';
import { defaultTransport, type HttpTransport } from './http-transport';

export type { GraphSettings } from './app-tokens';

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

/**
 * Graph with an application token per tenant (client credentials via msal-node; tokens are cached by msal).
 * Needs the application permission OnlineMeetings.Read.All with an application access policy for the organizers.
 */
export class MsalGraphClient implements GraphClient {
  private readonly graphBase: string;

  constructor(
    settings: GraphSettings,
    private readonly tokens: AppTokens = new AppTokens(settings),
    /** Kept-alive connections shared with the token requests (see MAX_CONNECTIONS_PER_ORIGIN); tests pass their own. */
    private readonly transport: HttpTransport = defaultTransport,
  ) {
    this.graphBase = graphBaseUrl(settings);
  }

  async onlineMeeting(tenantId: string, query: { organizerId: string; joinUrl: string }): Promise<OnlineMeetingInfo | undefined> {
    const token = await this.tokens.token(tenantId);
    const filter = encodeURIComponent(`JoinWebUrl eq '${query.joinUrl.replace(/'/g, "''")}'`);
    const url = `${this.graphBase}/v1.0/users/${encodeURIComponent(query.organizerId)}/onlineMeetings?$filter=${filter}`;
    const res = await this.transport({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300) throw new Error(`Graph onlineMeetings answered ${res.status}`);
    const body = JSON.parse(res.body) as { value?: { subject?: string; audioConferencing?: { conferenceId?: string }; participants?: { organizer?: { identity?: { user?: { id?: string } } } } }[] };
    const meeting = body.value?.[0];
    if (!meeting) return undefined;
    return {
      conferenceId: meeting.audioConferencing?.conferenceId,
      organizerId: meeting.participants?.organizer?.identity?.user?.id ?? query.organizerId,
      subject: meeting.subject,
    };
  }
}
