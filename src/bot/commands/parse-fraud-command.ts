import { parseBlockTarget } from '../../fraud/rules';
import { COMMAND_USAGE } from './command-help';
import type { Command } from './parse-command';

/** What an admin asks the toll-fraud guard in chat (`fraud …`), or a card button asks on their behalf. */
export type FraudRequest =
  | { kind: 'settings' }
  | { kind: 'blocking'; on: boolean }
  | { kind: 'set'; setting: string; args: string[] }
  | { kind: 'block'; target: string }
  | { kind: 'unblock'; target: string }
  | { kind: 'incident'; incidentId: string }
  /** Only from an incident card's buttons. */
  | { kind: 'decide'; incidentId: string; decision: 'restrict' | 'block' | 'dismiss' };

const invalid = (problem: string): Command => ({ kind: 'invalid', command: 'fraud', problem, usage: COMMAND_USAGE.fraud });

/**
 * The words after "fraud": `settings` (or nothing), `blocking on|off`, `set <setting> <value…>`, `block <target>`,
 * `unblock <target>`, `incident <id>`. The setting's value is checked where the settings live (fraud-settings.ts), so
 * the chat and the CLI say the same about a bad one. `show` turns what was typed back into text (mentions as @Name).
 */
export function parseFraudWords(words: readonly string[], show: (words: readonly string[]) => string): Command {
  const [first, ...rest] = words;
  const sub = first?.toLowerCase();
  if (sub === undefined || sub === 'settings' || sub === 'setting') {
    if (rest.length > 0) return invalid(`Nothing goes after "fraud settings"; remove "${show(rest)}".`);
    return { kind: 'fraud', request: { kind: 'settings' } };
  }
  if (sub === 'blocking' || sub === 'block-mode') {
    const state = rest[0]?.toLowerCase();
    if (rest.length !== 1 || (state !== 'on' && state !== 'off')) return invalid('fraud blocking takes on or off, e.g. fraud blocking on.');
    return { kind: 'fraud', request: { kind: 'blocking', on: state === 'on' } };
  }
  if (sub === 'set') {
    const [setting, ...args] = rest;
    if (setting === undefined || args.length === 0) return invalid('fraud set takes a setting and its value, e.g. fraud set rate-ceiling 1.50.');
    return { kind: 'fraud', request: { kind: 'set', setting: show([setting]), args: args.map((a) => show([a])) } };
  }
  if (sub === 'block' || sub === 'unblock') {
    const text = show(rest).trim();
    if (text === '') return invalid(`fraud ${sub} takes a country code or a number prefix, e.g. fraud ${sub} +449 or fraud ${sub} NG.`);
    const target = parseBlockTarget(text);
    if (!target.ok) return invalid(target.problem);
    return { kind: 'fraud', request: { kind: sub, target: target.target } };
  }
  if (sub === 'incident') {
    const id = rest[0];
    if (rest.length !== 1 || !/^[0-9a-z-]{1,64}$/i.test(id!)) return invalid('fraud incident takes the id of an incident, from incidents.');
    return { kind: 'fraud', request: { kind: 'incident', incidentId: id! } };
  }
  return invalid(`"${show([first!])}" is not something the toll-fraud guard does.`);
}
