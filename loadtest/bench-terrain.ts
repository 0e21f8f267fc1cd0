// Terrain generator benchmark (a script, not a test): npx tsx loadtest/bench-terrain.ts [chunks]
// Prints a table and one JSON line (prefix "BENCH ") for the benchmark report.
//
// Scenarios:
//   cold start   first chunk in this process (JIT cold + noise tables), then the first chunk of a new seed
//   streaming    chunk columns bottom to top, as a client or room loads them: the column's
//                height map is computed once and reused by the 7 chunks above it
//   scattered    every chunk in a different column, so each one pays for its height map (worst case)

import { loadavg } from 'node:os';
import { CHUNKS_Y, CHUNK_VOLUME, generateChunk } from '../src/world/index.js';

const N = Math.max(64, Number(process.argv[2] ?? 2000) | 0);
const out = new Uint8Array(CHUNK_VOLUME);

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) * 1000; // µs
}

interface Stats {
  scenario: string;
  chunks: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  chunksPerSec: number;
}

function stats(scenario: string, samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((a, b) => a + b, 0);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  const r = (v: number): number => Math.round(v * 10) / 10;
  return {
    scenario,
    chunks: samples.length,
    meanUs: r(total / samples.length),
    p50Us: r(q(0.5)),
    p99Us: r(q(0.99)),
    maxUs: r(sorted[sorted.length - 1]!),
    chunksPerSec: Math.round(samples.length / (total / 1e6)),
  };
}

// Cold start, before anything else has run.
const firstChunkUs = time(() => generateChunk(1, 0, 3, 0, out));
const secondChunkUs = time(() => generateChunk(1, 0, 2, 0, out));

// Warm the JIT on unrelated seeds and areas, in both access patterns measured below.
for (let i = 0; i < 4000; i++) generateChunk(7 + (i & 1), 1000 + (i >> 3), i & 7, 1000 + (i & 1) * 500, out);
// A world not seen before: noise tables + a fresh column. Median of 7 seeds (one sample is at the mercy of the scheduler).
const newSeed = Array.from({ length: 7 }, (_, k) => time(() => generateChunk(100 + k, 0, 3, 0, out))).sort((a, b) => a - b);
const newSeedFirstChunkUs = newSeed[3]!;

// Spread over a large area so every biome and height shows up; fresh seeds so no column is cached.
const columnsPerSide = Math.ceil(Math.sqrt(N / CHUNKS_Y));
const streaming: number[] = [];
const byCy: number[][] = Array.from({ length: CHUNKS_Y }, () => []);
outer: for (let i = 0; i < columnsPerSide; i++) {
  for (let j = 0; j < columnsPerSide; j++) {
    for (let cy = 0; cy < CHUNKS_Y; cy++) {
      if (streaming.length >= N) break outer;
      const us = time(() => generateChunk(3, i * 13 - 400, cy, j * 13 - 400, out));
      streaming.push(us);
      byCy[cy]!.push(us);
    }
  }
}
const scattered: number[] = [];
for (let i = 0; i < N; i++) scattered.push(time(() => generateChunk(4, (i % 50) * 11 - 275, i % CHUNKS_Y, Math.floor(i / 50) * 11 - 220, out)));

const rows = [stats('streaming (column by column)', streaming), stats('scattered (new column each)', scattered)];
const mem = process.memoryUsage();

const load = loadavg()[0]!.toFixed(2); // other processes on the box skew every figure: report it alongside
console.log(`generateChunk, ${N} chunks per scenario, all cy 0..${CHUNKS_Y - 1}  (node ${process.version}, ${process.arch}, load avg ${load})`);
console.log(`cold start: first chunk ${firstChunkUs.toFixed(0)} µs, second ${secondChunkUs.toFixed(0)} µs; first chunk of a new seed (warm JIT) ${newSeedFirstChunkUs.toFixed(0)} µs`);
console.log('');
console.log('scenario                        mean µs   p50 µs   p99 µs   max µs   chunks/s');
for (const s of rows) {
  console.log(
    `${s.scenario.padEnd(30)}${String(s.meanUs).padStart(9)}${String(s.p50Us).padStart(9)}${String(s.p99Us).padStart(9)}${String(s.maxUs).padStart(9)}${String(s.chunksPerSec).padStart(11)}`,
  );
}
console.log('');
console.log('streaming mean by cy (µs):  ' + byCy.map((v, cy) => `${cy}:${stats('', v).meanUs}`).join('  '));
console.log(
  'BENCH ' +
    JSON.stringify({
      bench: 'terrain',
      node: process.version,
      loadAvg1m: Number(load),
      chunks: N,
      coldStart: { firstChunkUs: Math.round(firstChunkUs), secondChunkUs: Math.round(secondChunkUs), newSeedFirstChunkUs: Math.round(newSeedFirstChunkUs) },
      scenarios: rows,
      streamingMeanUsByCy: byCy.map((v) => stats('', v).meanUs),
      heapUsedMb: Math.round(mem.heapUsed / 1e5) / 10,
    }),
);
