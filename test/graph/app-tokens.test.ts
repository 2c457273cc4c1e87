import { AppTokens } from '../../src/graph/app-tokens';
import { CLIENT_ID, CLIENT_SECRET, startFakeGraph, type FakeGraph } from './support/fake-graph';

describe('Graph application tokens', () => {
  let fake: FakeGraph;
  beforeAll(async () => {
    fake = await startFakeGraph();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.tokenRequests.length = 0;
  });

  const tokensOf = (clientSecret = CLIENT_SECRET) =>
    new AppTokens({ clientId: CLIENT_ID, clientSecret, graphBaseUrl: fake.graphBaseUrl, loginBaseUrl: fake.loginBaseUrl }, fake.transport);

  it('asks the token endpoint once per tenant when many callers want a token at once (200 meetings ending together)', async () => {
    const tokens = tokensOf();
    const first = await Promise.all([...Array.from({ length: 50 }, () => tokens.token('tenant-a')), ...Array.from({ length: 50 }, () => tokens.token('tenant-b'))]);
    expect(fake.tokenRequests.map((r) => r.tenant).sort()).toEqual(['tenant-a', 'tenant-b']);
    expect(new Set(first.slice(0, 50)).size).toBe(1);
    expect(new Set(first.slice(50)).size).toBe(1);
    expect(first[0]).not.toBe(first[50]);
    // Held afterwards: no new request until it nears expiry.
    expect(await tokens.token('tenant-a')).toBe(first[0]);
    expect(fake.tokenRequests).toHaveLength(2);
  });

  it('a failed request fails every caller waiting on it, and the next call asks again', async () => {
    const tokens = tokensOf('wrong');
    const results = await Promise.allSettled([tokens.token('tenant-c'), tokens.token('tenant-c')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(fake.tokenRequests).toHaveLength(1);
    await expect(tokens.token('tenant-c')).rejects.toThrow();
    expect(fake.tokenRequests).toHaveLength(2);
  });
});
