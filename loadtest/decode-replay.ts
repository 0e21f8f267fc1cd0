// What decoding a bench run's stream costs a client process (a script, not a test):
//
//   npm run bench -- --scenarios decoding --capacity '' --record /tmp/rec
//   npm run bench:decode -- /tmp/rec/decoding-500-leyline/<pid> /tmp/rec/decoding-500-naive/<pid> [--rooms 1] [--from 14 --to 26]
//
// Each directory holds the frames every room of one bot process received in one run (loadtest/walker.ts
// recordFrames). They are fed, in the order they arrived across all rooms, to @colyseus/sdk Rooms in this process,
// through the SDK's own frame dispatch (handshake, full state, patches, messages), as the bots' and any client's
// SDK decodes them; the CPU time of the frames that arrived between --from and --to seconds (after the first frame
// of the recording) is divided by rooms × seconds: ms of decoding per client-second. `--rooms 1` is one client in a
// process of its own (a player's machine); the default, every room recorded, is the bot process (hundreds of
// rooms, each with its own reflected schema classes: the decoder's lookups go megamorphic). Runs each directory
// --repeat times (default 3), alternating, and prints each and the median.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Room } from '@colyseus/sdk';

const { values: args, positionals: dirs } = parseArgs({
  allowPositionals: true,
  options: {
    rooms: { type: 'string' },
    from: { type: 'string', default: '14' },
    to: { type: 'string', default: '26' },
    repeat: { type: 'string', default: '3' },
  },
});
if (!dirs.length) throw new Error('usage: decode-replay.ts DIR [DIR …] [--rooms N] [--from s --to s] [--repeat n]');

type Frame = { t: number; room: number; data: ArrayBuffer };

function load(dir: string, rooms: number | undefined): { frames: Frame[]; rooms: number } {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.bin')).sort((a, b) => parseInt(a) - parseInt(b)).slice(0, rooms);
  const frames: Frame[] = [];
  files.forEach((f, room) => {
    const b = fs.readFileSync(path.join(dir, f));
    for (let o = 0; o < b.length; ) {
      const t = b.readDoubleLE(o), n = b.readUInt32LE(o + 8);
      frames.push({ t, room, data: b.buffer.slice(b.byteOffset + o + 12, b.byteOffset + o + 12 + n) as ArrayBuffer });
      o += 12 + n;
    }
  });
  let t0 = Infinity;
  for (const f of frames) t0 = Math.min(t0, f.t);
  for (const f of frames) f.t -= t0;
  frames.sort((a, b) => a.t - b.t);
  return { frames, rooms: files.length };
}

/** ms of CPU per client-second decoding the frames in [from, to) s, after feeding the ones before (joins, full states). */
function replay({ frames, rooms }: { frames: Frame[]; rooms: number }, fromS: number, toS: number): { msPerClientS: number; frames: number; bytesPerClientS: number } {
  const sdk = Array.from({ length: rooms }, () => {
    const r = new Room('replay') as unknown as { connection: unknown; onMessageCallback(ev: { data: ArrayBuffer }): void; onStateChange(cb: () => void): void; onMessage(t: string, cb: () => void): void };
    r.connection = { send() {}, isOpen: true }; // the JOIN_ROOM acknowledgement goes nowhere
    r.onStateChange(() => undefined);
    r.onMessage('*', () => undefined);
    return r;
  });
  // Room.onMessageCallback takes an ArrayBuffer and may keep views of it: each run gets its own copies.
  const feed = (f: Frame) => sdk[f.room]!.onMessageCallback({ data: f.data.slice(0) });
  let i = 0;
  for (; i < frames.length && frames[i]!.t < fromS * 1000; i++) feed(frames[i]!);
  const window = frames.filter((f) => f.t >= fromS * 1000 && f.t < toS * 1000).map((f) => ({ ...f, data: f.data.slice(0) }));
  let bytes = 0;
  for (const f of window) bytes += f.data.byteLength;
  const cpu0 = process.cpuUsage();
  for (const f of window) sdk[f.room]!.onMessageCallback({ data: f.data });
  const cpu = process.cpuUsage(cpu0);
  const clientS = rooms * (toS - fromS);
  return { msPerClientS: (cpu.user + cpu.system) / 1000 / clientS, frames: window.length, bytesPerClientS: bytes / clientS };
}

const fromS = Number(args.from), toS = Number(args.to), repeat = Number(args.repeat);
const loaded = dirs.map((d) => ({ dir: d, ...load(d, args.rooms ? Number(args.rooms) : undefined) }));
const runs = new Map<string, number[]>(dirs.map((d) => [d, []]));
for (let k = 0; k < repeat; k++) {
  for (const l of loaded) {
    const r = replay(l, fromS, toS);
    runs.get(l.dir)!.push(r.msPerClientS);
    console.log(`${l.dir}: ${l.rooms} rooms, ${r.frames} frames, ${Math.round(r.bytesPerClientS)} B/client/s: ${r.msPerClientS.toFixed(3)} ms per client-second`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const m = dirs.map((d) => median(runs.get(d)!));
console.log(`median ms per client-second: ${dirs.map((d, i) => `${d} ${m[i]!.toFixed(3)}`).join('; ')}${m.length === 2 ? `; ratio ×${(m[0]! / m[1]!).toFixed(2)}` : ''}`);
