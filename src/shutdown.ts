/**
 * The one shutdown stack of both roles (server: src/server.ts; worker:
 * src/jobs/worker-role.ts): boot pushes an undo step after each part it
 * starts, and shutdown runs them in reverse, once, even when a step fails.
 */
import type { Logger } from './log.js';

/** Undo steps run last-in first-out, once; each step's failure is logged and the rest still run. */
export class ShutdownStack {
  private readonly steps: { name: string; run: () => Promise<unknown> | unknown }[] = [];
  private done: Promise<void> | undefined;
  constructor(private readonly log: Logger) {}

  push(name: string, run: () => Promise<unknown> | unknown): void {
    this.steps.push({ name, run });
  }

  runAll(): Promise<void> {
    this.done ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
          this.log.debug({ step: step.name }, 'shutdown step done');
        } catch (err) {
          this.log.error({ err, step: step.name }, 'shutdown step failed');
        }
      }
    })();
    return this.done;
  }
}
