/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and aggregates self
 * time by function (name + script + line) and by package, optionally only
 * over a time window given in the profile's clock (µs, process.hrtime's
 * monotonic clock on Linux).
 */
import fs from 'node:fs/promises';

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

export type SelfTime = { name: string; where: string; ms: number; pct: number; busyPct: number };
export type ProfileSummary = {
  /** Sampled time in the window, ms; of it idle (the event loop waiting). */
  totalMs: number;
  idleMs: number;
  samples: number;
  /** True when the window filter matched nothing and the whole profile was used instead. */
  wholeProfile: boolean;
  top: SelfTime[];
  packages: { name: string; ms: number; busyPct: number }[];
};

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** A short place: the path inside the repository or package, `node:` modules as they are. */
export function shortUrl(url: string, root: string): string {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) return u.slice(nm + '/node_modules/'.length);
  if (u.startsWith(root)) u = u.slice(root.length).replace(/^\//, '');
  return u;
}

/** Which package (or part of Leyline) a function belongs to. */
export function packageOf(name: string, url: string, root: string): string {
  if (SPECIAL.has(name)) return name;
  if (!url) return '(native: V8 builtins, bindings)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const s = shortUrl(url, root);
  if (url.includes('/node_modules/')) {
    const parts = s.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const parts = s.split('/');
  return parts.length > 2 ? `leyline ${parts[0]}/${parts[1]}/` : `leyline ${parts[0]}${parts.length > 1 ? '/' : ''}`;
}

export async function summarizeProfile(file: string, root: string, window?: { fromUs: number; toUs: number }, top = 25): Promise<ProfileSummary> {
  const p = JSON.parse(await fs.readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // Sample i happened at t_i = startTime + Σ_{j≤i} timeDeltas[j]; it lasts until the next one.
  const t: number[] = new Array(p.samples.length);
  let acc = p.startTime;
  for (let i = 0; i < p.samples.length; i++) t[i] = acc += p.timeDeltas[i] ?? 0;
  const dur = (i: number) => (i + 1 < t.length ? t[i + 1]! - t[i]! : 0);
  let idx = p.samples.map((_, i) => i);
  let wholeProfile = false;
  if (window) {
    const inside = idx.filter((i) => t[i]! >= window.fromUs && t[i]! <= window.toUs);
    if (inside.length) idx = inside;
    else wholeProfile = true;
  }
  const self = new Map<string, { name: string; where: string; us: number }>();
  const packages = new Map<string, number>();
  let totalUs = 0, idleUs = 0;
  for (const i of idx) {
    const n = byId.get(p.samples[i]!);
    if (!n) continue;
    const d = dur(i);
    totalUs += d;
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    if (name === '(idle)') {
      idleUs += d;
      continue;
    }
    // tsx-loaded TypeScript reports line 0 for every function (its transform's output): name + file it is.
    const where = cf.url ? `${shortUrl(cf.url, root)}${cf.lineNumber > 0 || !/\.ts$/.test(cf.url) ? `:${cf.lineNumber + 1}` : ''}` : '';
    const key = `${name}\u0000${where}`;
    const e = self.get(key) ?? { name, where, us: 0 };
    e.us += d;
    self.set(key, e);
    const pkg = packageOf(name, cf.url, root);
    packages.set(pkg, (packages.get(pkg) ?? 0) + d);
  }
  const busyUs = totalUs - idleUs;
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    samples: idx.length,
    wholeProfile,
    top: [...self.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, pct: (100 * e.us) / totalUs, busyPct: (100 * e.us) / busyUs })),
    packages: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: us / 1000, busyPct: (100 * us) / busyUs })),
  };
}
