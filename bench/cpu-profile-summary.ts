import fs from 'node:fs';
import path from 'node:path';

/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time by package / source file and by function, and
 * inclusive time of chosen functions (a function's share of the samples whose synchronous stack contains it).
 *
 *   BENCH_ENGINES=sqlite BENCH_LEGS=30000 node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/run.ts
 *   npx tsx bench/cpu-profile-summary.ts /tmp/prof/CPU.*.cpuprofile [functionName …]
 *   PROFILE_LAST_MS=1500 npx tsx bench/cpu-profile-summary.ts …   # only the profile's last 1.5 s
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function bucketOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node:internal';
  const src = url.indexOf('/src/');
  if (src >= 0) return `src/${url.slice(src + 5)}`;
  const bench = url.indexOf('/bench/');
  if (bench >= 0) return `bench/${url.slice(bench + 7)}`;
  return path.basename(url);
}

export function summarize(file: string, inclusiveOf: string[] = [], top = 30): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfByBucket = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const inclusive = new Map<string, number>(inclusiveOf.map((f) => [f, 0]));
  let total = 0;
  let idle = 0;
  // PROFILE_LAST_MS=N: only the samples of the profile's last N ms (a burst just before the process was stopped).
  const lastMs = Number(process.env.PROFILE_LAST_MS) || 0;
  const at: number[] = [];
  let clock = 0;
  for (const dt of profile.timeDeltas) at.push((clock += dt));
  const from = lastMs > 0 ? clock - lastMs * 1000 : -Infinity;
  profile.samples.forEach((id, i) => {
    if (at[i]! < from) return;
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    total += dt;
    if (functionName === '(idle)') idle += dt;
    const bucket = bucketOf(url, functionName);
    selfByBucket.set(bucket, (selfByBucket.get(bucket) ?? 0) + dt);
    const key = `${functionName || '(anonymous)'}  ${bucket}:${lineNumber + 1}`;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + dt);
    if (inclusiveOf.length > 0) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const name = byId.get(cur)!.callFrame.functionName;
        if (inclusive.has(name) && !seen.has(name)) {
          seen.add(name);
          inclusive.set(name, inclusive.get(name)! + dt);
        }
      }
    }
  });

  const busy = total - idle;
  const line = (label: string, us: number) => `  ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${label}`;
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  const out = [
    `${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled, ${(idle / 1000).toFixed(0)} ms idle (waiting on I/O); percentages of the ${(busy / 1000).toFixed(0)} ms busy`,
    '',
    'self time by package / file:',
    ...sorted(selfByBucket).filter(([k]) => k !== '(idle)').slice(0, top).map(([k, v]) => line(k, v)),
    '',
    'self time by function:',
    ...sorted(selfByFn).filter(([k]) => !k.startsWith('(idle)')).slice(0, top).map(([k, v]) => line(k, v)),
  ];
  if (inclusiveOf.length > 0) {
    out.push('', 'inclusive time (synchronous stacks only; time after an await is not attributed to the caller):');
    out.push(...sorted(inclusive).map(([k, v]) => line(k, v)));
  }
  return out.join('\n');
}

if (require.main === module) {
  const [file, ...fns] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx bench/cpu-profile-summary.ts <file.cpuprofile> [functionName …]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarize(file, fns)}\n`);
}
