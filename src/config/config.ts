import path from 'node:path';
import { z } from 'zod';

/**
 * Everything Tollgate reads from the environment, validated once at start.
 * A bad value stops the process with one line per problem, naming the variable.
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const databaseUrl = z
  .string()
  .trim()
  .refine((v) => v.startsWith('sqlite:') || v.startsWith('postgres://') || v.startsWith('postgresql://'), {
    message: 'must be sqlite:<file path> or postgres://user@host:port/database',
  })
  .refine((v) => !v.startsWith('sqlite:') || v.slice('sqlite:'.length).trim().length > 0, {
    message: 'sqlite: needs a file path, e.g. sqlite:./data/tollgate.db',
  });

/** Where Teams users reach this server (report downloads): http(s), no query, fragment or credentials. */
const publicBaseUrl = z
  .string()
  .trim()
  .refine((v) => {
    const u = URL.canParse(v) ? new URL(v) : undefined;
    return !!u && (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash && !u.username && !u.password;
  }, { message: 'must be an http:// or https:// URL without a query, fragment or credentials, e.g. https://tollgate.contoso.com' })
  .transform((v) => {
    const u = new URL(v);
    return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
  });

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3978),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATABASE_URL: databaseUrl.optional(),
  BOT_ID: z.string().trim().default(''),
  BOT_PASSWORD: z.string().default(''),
  BOT_TENANT_ID: z.string().trim().default(''),
  TOLLGATE_ADMINS: z.string().default(''),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  INTAKE_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(10 * 1024 * 1024),
  SEED_DEMO: z.enum(['true', 'false', '1', '0']).default('true'),
  GRAPH_CLIENT_ID: z.string().trim().default(''),
  GRAPH_CLIENT_SECRET: z.string().default(''),
  GRAPH_BASE_URL: z.string().trim().url().optional(),
  LOGIN_BASE_URL: z.string().trim().url().optional(),
  GRAPH_SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(0).max(7 * 24 * 60).default(0),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  SQLITE_CHECKPOINT: z.enum(['background', 'in-commit']).default('background'),
  OUTBOX_LEASE_SECONDS: z.coerce.number().int().min(4).max(3600).default(60),
  PUBLIC_BASE_URL: publicBaseUrl.optional(),
  MONTHLY_DIGEST_CHECK_MINUTES: z.coerce.number().int().min(0).max(24 * 60).default(5),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  botId: string;
  botPassword: string;
  botTenantId: string;
  /** AAD object ids or UPNs (lower-case) that are Tollgate admins in every tenant. */
  bootstrapAdmins: string[];
  logLevel: (typeof LOG_LEVELS)[number];
  intakeMaxBodyBytes: number;
  seedDemo: boolean;
  /** Empty BOT_ID: no Bot Framework auth (local chat, Agents Playground). */
  localMode: boolean;
  /** Graph app registration for meeting look-ups; defaults to the bot's own. Absent: no Graph calls. */
  graph?: { clientId: string; clientSecret: string; graphBaseUrl?: string; loginBaseUrl?: string };
  /** Background Graph call-record sync of every tenant, every this many minutes; 0 = off. */
  graphSyncIntervalMinutes: number;
  /** PostgreSQL: the most connections this process opens (its pool size). */
  databasePoolMax: number;
  /** SQLite file: its write-ahead log checkpointed by a worker thread ('background') or in the commits ('in-commit'). */
  sqliteCheckpoint: 'background' | 'in-commit';
  /** How long an outbox worker's claim on a message holds; proactive sends time out at a quarter of it (at most 15 s). */
  outboxLeaseMs: number;
  /**
   * This server as Teams users' browsers reach it, without a trailing slash: cards link report downloads under it.
   * Default in local mode http://127.0.0.1:PORT; absent otherwise (no download links).
   */
  publicBaseUrl?: string;
  /** How often the server checks whether a tenant's monthly digest is due; 0 = no digests. */
  monthlyDigestCheckMinutes: number;
}

export const DEFAULT_SQLITE_FILE = path.join('data', 'tollgate.db');

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  // Empty strings in .env files mean "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`),
    };
  }
  const e = parsed.data;
  if (e.BOT_ID && !e.BOT_PASSWORD) {
    return { ok: false, errors: ['BOT_PASSWORD: required when BOT_ID is set (or leave BOT_ID empty for local mode)'] };
  }
  const graphConfigured = !!(e.GRAPH_CLIENT_ID || e.BOT_ID) && !!(e.GRAPH_CLIENT_SECRET || e.BOT_PASSWORD);
  if (e.GRAPH_SYNC_INTERVAL_MINUTES > 0 && !graphConfigured) {
    return { ok: false, errors: ['GRAPH_SYNC_INTERVAL_MINUTES: needs GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (or BOT_ID and BOT_PASSWORD), or set it to 0'] };
  }
  return {
    ok: true,
    config: {
      port: e.PORT,
      host: e.HOST,
      databaseUrl: e.DATABASE_URL ?? `sqlite:${DEFAULT_SQLITE_FILE}`,
      botId: e.BOT_ID,
      botPassword: e.BOT_PASSWORD,
      botTenantId: e.BOT_TENANT_ID,
      bootstrapAdmins: e.TOLLGATE_ADMINS.split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
      logLevel: e.LOG_LEVEL,
      intakeMaxBodyBytes: e.INTAKE_MAX_BODY_BYTES,
      seedDemo: e.SEED_DEMO === 'true' || e.SEED_DEMO === '1',
      localMode: e.BOT_ID === '',
      graph: graphConfigured
        ? {
            clientId: e.GRAPH_CLIENT_ID || e.BOT_ID,
            clientSecret: e.GRAPH_CLIENT_SECRET || e.BOT_PASSWORD,
            graphBaseUrl: e.GRAPH_BASE_URL,
            loginBaseUrl: e.LOGIN_BASE_URL,
          }
        : undefined,
      graphSyncIntervalMinutes: e.GRAPH_SYNC_INTERVAL_MINUTES,
      databasePoolMax: e.DATABASE_POOL_MAX,
      sqliteCheckpoint: e.SQLITE_CHECKPOINT,
      outboxLeaseMs: e.OUTBOX_LEASE_SECONDS * 1000,
      publicBaseUrl: e.PUBLIC_BASE_URL ?? (e.BOT_ID === '' ? `http://127.0.0.1:${e.PORT}` : undefined),
      monthlyDigestCheckMinutes: e.MONTHLY_DIGEST_CHECK_MINUTES,
    },
  };
}
