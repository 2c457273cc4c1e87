import restify, { type Request, type Response, type Next } from 'restify';
import type { Application, TeamsAdapter, TurnState } from '@microsoft/teams-ai';
import { authorizeCall } from '../authorization/authorize-call';
import { recordsOf } from '../usage/call-record';
import type { Tollgate } from '../tollgate';
import { sendError, sendFailure, sendStorageFailure } from './errors';
import { writeLegsCsv } from '../reports/legs-report';
import { verifyLegsLink } from '../reports/signed-link';

export interface ServerOptions {
  /** Largest request body the intake API accepts; bigger ones get 413 and nothing is written. */
  maxBodyBytes: number;
  /** The Teams bot on POST /api/messages; absent, the server is the API alone. */
  bot?: { adapter: TeamsAdapter; app: Application<TurnState> };
}

declare module 'restify' {
  interface Request {
    tollgateTenantId?: string;
  }
}

/**
 * The restify server: intake and authorization API, health. Later issues add /api/messages (the bot) here.
 * Order on every API route: authenticate the tenant key, then read and parse the body, then act.
 */
export function createServer(tollgate: Tollgate, options: ServerOptions): restify.Server {
  const server = restify.createServer({ name: 'tollgate', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser({ mapParams: false }));

  /**
   * restify runs async handlers but cannot stop a chain from one, so each is wrapped as a callback handler:
   * resolving `false` (an answer was sent) stops the chain; a throw becomes a 503 or a 500.
   */
  const step =
    (fn: (req: Request, res: Response) => Promise<false | void>) =>
    (req: Request, res: Response, next: Next): void => {
      fn(req, res).then(
        (result) => next(result === false ? false : undefined),
        (err) => next(handleError(tollgate, res, err)),
      );
    };

  const authenticate = step(async (req, res) => {
    const check = await tollgate.ingestKeys.verify(req.header('authorization'));
    if (!check.ok) return sendFailure(res, 401, check);
    const tenantId = req.params.tenantId as string;
    if (check.value.tenantId !== tenantId) return sendError(res, 403, 'wrong_tenant', 'This ingest key belongs to another tenant.');
    req.tollgateTenantId = tenantId;
  });

  const readJson = (req: Request, res: Response, next: Next) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (fn: () => void) => {
      if (!done) {
        done = true;
        fn();
      }
    };
    const declared = Number(req.header('content-length') ?? 0);
    if (declared > options.maxBodyBytes) {
      return finish(() => next(sendError(res, 413, 'body_too_large', `Requests are limited to ${options.maxBodyBytes} bytes: split the batch.`)));
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxBodyBytes) {
        finish(() => {
          next(sendError(res, 413, 'body_too_large', `Requests are limited to ${options.maxBodyBytes} bytes: split the batch.`));
          req.destroy();
        });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      finish(() => {
        try {
          req.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          next();
        } catch {
          next(sendError(res, 400, 'malformed_json', 'The body is not valid JSON.'));
        }
      }),
    );
    req.on('error', () => finish(() => next(false)));
  };

  /** A signed, short-lived download of a tenant's legs (reports/signed-link.ts); the link is the only credential. */
  server.get(
    '/api/reports/legs.csv',
    step(async (req, res) => {
      const q = req.query as Record<string, unknown>;
      const field = (name: string) => (typeof q[name] === 'string' ? (q[name] as string) : '');
      const day = /^\d{4}-\d{2}-\d{2}$/;
      const link = { tenant: field('tenant'), from: field('from'), to: field('to'), expires: Number(field('expires')) };
      const fromAt = Date.parse(`${link.from}T00:00:00Z`);
      const toAt = Date.parse(`${link.to}T00:00:00Z`) + 24 * 3600 * 1000;
      const wellFormed = link.tenant !== '' && day.test(link.from) && day.test(link.to) && fromAt < toAt && /^\d{1,12}$/.test(field('expires'));
      if (!wellFormed || !(await verifyLegsLink(tollgate.store.db, link, field('sig'), tollgate.clock.now()))) {
        return sendError(res, 403, 'bad_link', 'This download link is invalid or has expired.');
      }
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="legs-${link.from}-${link.to}.csv"` });
      await writeLegsCsv(tollgate.store, link.tenant, { from: new Date(fromAt).toISOString(), to: new Date(toAt).toISOString() }, async (chunk) => {
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      });
      res.end();
      return false;
    }),
  );

  server.get(
    '/healthz',
    step(async (_req, res) => {
      try {
        await tollgate.store.db.selectFrom('tenants').select('tenant_id').limit(1).execute();
        res.send(200, { status: 'ok', database: tollgate.store.engine });
      } catch {
        res.header('Retry-After', '5');
        res.send(503, { status: 'unavailable', database: tollgate.store.engine });
      }
    }),
  );

  const bot = options.bot;
  if (bot) {
    // Bot Framework activities: the adapter authenticates them (when BOT_ID is set) and writes the response.
    server.post(
      '/api/messages',
      restify.plugins.bodyParser({ maxBodySize: 1024 * 1024, mapParams: false }),
      step(async (req, res) => {
        await bot.adapter.process(req as never, res as never, async (context) => {
          await bot.app.run(context);
        });
      }),
    );
  }

  server.post(
    '/api/tenants/:tenantId/calls',
    authenticate,
    readJson,
    step(async (req, res) => {
      const records = recordsOf(req.body);
      if (!records) return sendError(res, 400, 'not_a_batch', 'Send a Graph page { "value": [ ... ] } or a JSON array of pstnCallLogRow records.');
      const result = await tollgate.intake.ingest(req.tollgateTenantId!, records);
      if (!result.ok) return sendFailure(res, 404, result);
      res.send(200, result.value);
    }),
  );

  server.post(
    '/api/tenants/:tenantId/calls/authorize',
    authenticate,
    readJson,
    step(async (req, res) => {
      const result = await authorizeCall(tollgate.store, tollgate.clock, req.tollgateTenantId!, req.body);
      if (!result.ok) return sendFailure(res, result.reason === 'unknown_tenant' ? 404 : 400, result);
      res.send(200, result.value);
    }),
  );

  return server;
}

function handleError(tollgate: Tollgate, res: Response, err: unknown): false {
  const outage = sendStorageFailure(res, err);
  if (outage === false) {
    tollgate.logger.warn({ err: (err as Error).message, code: (err as { code?: unknown }).code, status: res.statusCode }, 'database failure: answered with a retryable status');
    return outage;
  }
  tollgate.logger.error({ err }, 'request failed');
  return sendError(res, 500, 'internal_error', 'Something went wrong on our side: nothing was written, retry or contact support.');
}
