import { COMMAND_HELP, COMMAND_USAGE, parseCommand, type CommandKind } from '../../../src/bot/commands/parse-command';

/** In Teams, "@Jonas" in an example is a mention: that is how it reaches the parser. */
const asTyped = (example: string) => example.replace(/@(\w+)/g, '<at>$1</at>');

describe('COMMAND_HELP', () => {
  it.each(COMMAND_HELP.map((e) => [e.usage, e] as const))('%s: its example is a valid command', (_usage, entry) => {
    const parsed = parseCommand(asTyped(entry.example));
    expect(parsed.kind).not.toBe('invalid');
    expect(parsed.kind).not.toBe('unknown');
    expect(entry.description).toMatch(/^[A-Z].*\.$/);
  });

  it('lists every command, the admin ones marked as such', () => {
    const kinds = new Map<CommandKind, boolean>();
    for (const entry of COMMAND_HELP) kinds.set(parseCommand(asTyped(entry.example)).kind, entry.admin);
    expect(Object.fromEntries(kinds)).toEqual({
      help: false,
      balance: false,
      usage: false,
      meetings: false,
      meeting: false,
      rates: false,
      policy: false,
      credits_add: true,
      autorecharge_on: true,
      autorecharge_off: true,
      policy_set: true,
      license_set: true,
      tollfree_set: true,
      admins_add: true,
      admins_remove: true,
      alerts_low_balance: true,
      reconcile: true,
      digest: true,
      advisor: true,
      advisor_price: true,
      incidents: true,
      fraud: true,
    });
  });

  it('puts the commands for everyone first', () => {
    const firstAdmin = COMMAND_HELP.findIndex((e) => e.admin);
    expect(COMMAND_HELP.slice(firstAdmin).every((e) => e.admin)).toBe(true);
  });
});

describe('COMMAND_USAGE', () => {
  it.each(Object.entries(COMMAND_USAGE))('%s: the example it gives parses', (_command, usage) => {
    const example = /e\.g\. (.+?)(?: \(|$)/.exec(usage)?.[1] ?? usage;
    for (const alternative of example.split(/, | or /)) {
      const parsed = parseCommand(asTyped(alternative));
      expect([alternative, parsed.kind]).not.toEqual([alternative, 'invalid']);
      expect([alternative, parsed.kind]).not.toEqual([alternative, 'unknown']);
    }
  });
});
