import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// billing/ must stay pure: everything it needs comes in as arguments. A static check keeps it that way.
const dir = join(__dirname, '../../src/billing');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('src/billing is pure', () => {
  it('has the expected files', () => {
    expect(files.sort()).toEqual(
      ['countries.ts', 'dial-out-policy.ts', 'dial-out-pool.ts', 'index.ts', 'intl-cache.ts', 'licenses.ts', 'money.ts', 'phone-number.ts', 'rate-card.ts', 'rate-leg.ts', 'reasons.ts'].sort(),
    );
  });

  it.each(files)('%s uses no clock, randomness, I/O or environment', (file) => {
    const code = readFileSync(join(dir, file), 'utf8');
    expect(code).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random|performance\.now|crypto/);
    expect(code).not.toMatch(/from ['"](node:)?(fs|path|http|https|net|child_process|os)['"]/);
    expect(code).not.toMatch(/\bprocess\.|\bconsole\.|setTimeout|setInterval|fetch\(/);
    // Imports stay inside billing/ or go to the phone-number library.
    for (const [, target] of code.matchAll(/from ['"]([^'"]+)['"]/g)) {
      // csv-parse/sync is a pure string-to-rows parser (no I/O).
      expect(target === 'libphonenumber-js/max' || target === 'csv-parse/sync' || target?.startsWith('./')).toBe(true);
    }
  });
});
