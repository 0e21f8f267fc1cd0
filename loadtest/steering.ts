/**
 * How a wandering bot turns (loadtest/walker.ts), as a pure function of a random source, so that
 * loadtest/bench-patch.ts walks its characters the same way without the bots' client code.
 */
type XZ = { x: number; z: number };

/** The heading after one move's turn: now and then a turn of up to ±90°, and back towards `home` beyond `roam` blocks. */
export function wanderHeading(heading: number, at: XZ, home: XZ, roam: number, random: () => number = Math.random): number {
  let h = heading;
  if (random() < 0.05) h += (random() - 0.5) * Math.PI;
  const dx = at.x - home.x, dz = at.z - home.z;
  if (Math.hypot(dx, dz) > roam && dx * Math.cos(h) + dz * Math.sin(h) > 0) {
    h = Math.atan2(-dz, -dx) + (random() - 0.5) * (Math.PI / 2);
  }
  return h;
}
