import fs from 'node:fs';
import type { Command } from 'commander';
import { parseAmount } from '../billing/money';
import type { Store } from '../store/database';
import { findTenant } from '../store/tenant-store';
import type { Tollgate } from '../tollgate';
import { isFailure, type Outcome } from '../outcome';
import { UsageError, type CliIo } from './io';

/**
 * What every group of CLI commands gets: the I/O, the services (opened on first use, closed by runCli), and a way
 * to raise the exit code. Commands live in modules that register themselves on the program.
 */
export interface CliContext {
  io: CliIo;
  open(): Promise<Tollgate>;
  /** The store alone, for commands that need no services (the export): opened once, shared with open(). */
  openStore(): Promise<Store>;
  setCode(code: number): void;
  json(data: unknown): void;
}

export type RegisterCommands = (program: Command, ctx: CliContext) => void;

/** Turns a domain failure into the one-line, exit-2 answer. */
export function must<T>(outcome: Outcome<T>): T {
  if (isFailure(outcome)) throw new UsageError(outcome.message);
  return (outcome as { ok: true; value: T }).value;
}

export function amount(text: string, what: string): number {
  const parsed = parseAmount(text);
  if (!parsed.ok) throw new UsageError(`${what}: ${parsed.message}`);
  return parsed.micros;
}

export function wholeNumber(text: string, what: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`${what} must be a whole number, not "${text}"`);
  return Number(text);
}

export function isoDay(text: string, what: string, endOfDay = false): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
    throw new UsageError(`${what} must be a date like 2026-11-01, not "${text}"`);
  }
  const d = new Date(`${text}T00:00:00.000Z`);
  if (endOfDay) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

export function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The tenant's currency; an unknown tenant is bad input. */
export async function tenantCurrency(t: Tollgate, tenantId: string): Promise<string> {
  const tenant = await findTenant(t.store.db, tenantId);
  if (!tenant) throw new UsageError(`unknown tenant ${tenantId}: create it with tollgate tenant init`);
  return tenant.currency;
}
