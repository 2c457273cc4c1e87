import type { Activity } from 'botbuilder';
import { LRUCache } from 'lru-cache';
import {
  AuthenticationConstants,
  BotFrameworkAuthentication,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import { boundForDeliveries, isDeliveryIdentity } from '../notify/connector-request';

/**
 * The adapter's Bot Framework authentication with its connector clients kept and shared between turns.
 *
 * botbuilder's CloudAdapter builds a new ConnectorClient (credentials, an @azure/core-client pipeline of a dozen
 * policies, an HTTP client with its own agent, so a new TCP connection) and a new UserTokenClient for every turn:
 * for the bot's short turns that was about a sixth of their CPU. A client holds no turn state (each call takes its
 * conversation and activity), its credentials fetch and refresh their tokens themselves (cached per app id and
 * scope), so one per (app id, service URL, audience) serves every turn, over kept-alive connections.
 *
 * Proactive deliveries (the outbox's, whose turns run with a deliveryIdentity) get clients of their own, also shared:
 * built once for deliveries (no hidden retries; each delivery bounds its requests by its deadline:
 * notify/connector-request.ts).
 * Replies inside inbound turns keep the SDK's default pipeline.
 */
export class SharedClientsAuthentication extends BotFrameworkAuthentication {
  private readonly connectors: LruCache<ConnectorClient>;
  private readonly userTokens: LruCache<UserTokenClient>;

  constructor(
    private readonly inner: BotFrameworkAuthentication,
    size = CONNECTOR_CLIENT_CACHE_SIZE,
  ) {
    super();
    this.connectors = new LruCache(size);
    this.userTokens = new LruCache(size);
  }

  /** Connector clients kept now (both kinds), for tests and diagnostics. */
  get connectorClientCount(): number {
    return this.connectors.size;
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.shared(await this.inner.authenticateRequest(activity, authHeader));
  }

  override async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.shared(await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new SharedConnectorFactory(this.inner.createConnectorFactory(claimsIdentity), appIdOf(claimsIdentity), this.connectors, isDeliveryIdentity(claimsIdentity));
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.userTokens.get(JSON.stringify([appIdOf(claimsIdentity) ?? null]), () => this.inner.createUserTokenClient(claimsIdentity));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private shared(result: AuthenticateRequestResult): AuthenticateRequestResult {
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: new SharedConnectorFactory(result.connectorFactory, appIdOf(result.claimsIdentity), this.connectors, false) };
  }
}

/**
 * How many clients are kept, least recently used dropped first. Teams uses a few service URLs per region; in local
 * mode (no BOT_ID) anyone reaching /api/messages chooses the service URL, so the count is bounded.
 */
export const CONNECTOR_CLIENT_CACHE_SIZE = 64;

/** A ConnectorFactory (for one app id, for deliveries or not) that hands out the kept client, building it the first time. */
class SharedConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly appId: string | undefined,
    private readonly clients: LruCache<ConnectorClient>,
    private readonly delivery: boolean,
  ) {
    super();
  }

  override create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    const delivery = this.delivery;
    const key = JSON.stringify([delivery ? 'delivery' : 'turn', this.appId ?? null, serviceUrl, audience ?? null]);
    return this.clients.get(key, async () => {
      const client = await this.inner.create(serviceUrl, audience);
      // A delivery client that kept the SDK's retries could post a card twice: refuse to deliver with it.
      if (delivery && !boundForDeliveries(client)) throw new Error('the connector client has no pipeline to bound: not delivering with hidden retries');
      return client;
    });
  }
}

/** The app id botbuilder builds a turn's credentials for (ParameterizedBotFrameworkAuthentication's getAppId). */
function appIdOf(claimsIdentity: ClaimsIdentity): string | undefined {
  return claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? undefined;
}

/** Values built once per key (a build that fails is not kept), the least recently used dropped past `size`. */
class LruCache<T> {
  private readonly values: LRUCache<string, Promise<T>>;

  constructor(capacity: number) {
    this.values = new LRUCache({ max: capacity });
  }

  get size(): number {
    return this.values.size;
  }

  get(key: string, build: () => Promise<T>): Promise<T> {
    const kept = this.values.get(key);
    if (kept) return kept;
    const value = build();
    this.values.set(key, value);
    value.catch(() => {
      if (this.values.peek(key) === value) this.values.delete(key);
    });
    return value;
  }
}
