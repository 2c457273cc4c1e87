import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The advisor's core is pure like billing/: everything comes in as arguments. advisor.ts is the one loader over the store.
const dir = join(__dirname, '../../src/advisor');
const LOADER = 'advisor.ts';
const core = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== LOADER);

describe('src/advisor core is pure', () => {
  it('has the expected files', () => {
    expect(readdirSync(dir).sort()).toEqual(['advice-window.ts', 'advisor-model.ts', 'advisor.ts', 'search.ts', 'what-if.ts']);
  });

  it.each(core)('%s uses no clock, randomness, I/O or store, and rates only through billing/', (file) => {
    const code = readFileSync(join(dir, file), 'utf8');
    expect(code).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random|performance\.now|crypto/);
    expect(code).not.toMatch(/\bprocess\.|\bconsole\.|setTimeout|setInterval|fetch\(/);
    for (const [, target] of code.matchAll(/from ['"]([^'"]+)['"]/g)) {
      expect([file, target]).toEqual([file, expect.stringMatching(/^(?:\.\/[a-z-]+|\.\.\/billing\/[a-z-]+|\.\.\/outcome)$/)]);
    }
  });
});
