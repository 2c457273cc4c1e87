import { COMMAND_HELP } from '../../../src/bot/commands/command-help';
import { buildHelpCard, type HelpEntry } from '../../../src/bot/cards/help-card';
import { cardText } from './card-check';
import { expectValidCard } from './expect-valid-card';

const entries: HelpEntry[] = [
  { usage: 'help', description: 'What Tollgate can do.', admin: false },
  { usage: 'balance', description: "The organization's Communications Credits balance.", admin: false },
  { usage: 'usage [this month | last month | 7d | 28d | YYYY-MM]', description: 'What audio conferencing cost over a period.', admin: false },
  { usage: 'meeting [last | <conferenceId>]', description: "One meeting's calls and their cost.", admin: false },
  { usage: 'rates <country name | ISO code | +E.164 number>', description: 'The per-minute rate to call a country or number.', admin: false },
  { usage: '/policy [@user]', description: 'Your dial-out policy.', admin: false },
  { usage: 'credits add <amount>', description: 'Add Communications Credits.', admin: true },
  { usage: 'autorecharge on <trigger> <amount>', description: 'Recharge automatically.', admin: true },
  { usage: 'policy set global <Policy>', description: 'Set the tenant-wide dial-out policy.', admin: true },
  { usage: 'admins add @user', description: 'Make someone a Tollgate admin.', admin: true },
  { usage: 'export csv', description: 'Something newer than the groups.', admin: true },
];

describe('help card', () => {
  it('everyone: grouped commands with their usage; admin commands only mentioned', () => {
    const card = buildHelpCard(entries, { isAdmin: false });
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Costs\nbalance\n');
    expect(text).toContain('usage [this month | last month | 7d | 28d | YYYY-MM]');
    expect(text).toContain('Rates and policies\nrates <country name | ISO code | +E.164 number>');
    expect(text).toContain('/policy [@user]');
    expect(text).not.toContain('credits add <amount>');
    expect(text).not.toContain('Admin:');
    expect(text).toContain('Tollgate admins can also add credits');
  });

  it('admins also see the admin commands, grouped; unknown ones under "Admin: more"', () => {
    const card = buildHelpCard(entries, { isAdmin: true });
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Admin: Communications Credits\ncredits add <amount>\nAdd Communications Credits.\nautorecharge on <trigger> <amount>');
    expect(text).toContain('Admin: policies and licenses\npolicy set global <Policy>');
    expect(text).toContain('Admin: Tollgate admins\nadmins add @user');
    expect(text).toContain('Admin: more\nexport csv');
    expect(text.indexOf('Costs')).toBeLessThan(text.indexOf('Admin: Communications Credits'));
  });

  it("the parser's own COMMAND_HELP makes a valid card for admins and everyone", () => {
    for (const isAdmin of [false, true]) {
      const card = buildHelpCard(COMMAND_HELP, { isAdmin });
      expectValidCard(card);
      const text = cardText(card);
      for (const e of COMMAND_HELP.filter((c) => isAdmin || !c.admin)) expect(text).toContain(e.usage);
    }
  });

  it('no commands at all still makes a valid card', () => {
    expectValidCard(buildHelpCard([], { isAdmin: true }));
  });
});
