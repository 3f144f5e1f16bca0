/**
 * What sync's uploads and the edge poll's probes rely on from p-map, called as they call it:
 * results in input order, never more than `concurrency` at once, and a rejection rejects the whole
 * run without starting more work. A replacement must keep these.
 */
import t from 'tap';
import pMap from 'p-map';

/** A task each test settles by hand, so the order of finishing is chosen, not timed. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

t.test('results keep the order of the input, whatever order the work finishes in', async (t) => {
  const gates = [gate(), gate(), gate(), gate()];
  const run = pMap(
    [0, 1, 2, 3],
    async (i) => {
      await gates[i]!.opened;
      return `r${i}`;
    },
    { concurrency: 4 },
  );
  for (const i of [3, 1, 0, 2]) {
    gates[i]!.open();
    await tick();
  }
  t.same(await run, ['r0', 'r1', 'r2', 'r3']);
});

t.test('never more than the limit at once, and the limit is used', async (t) => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  const gates = items.map(() => gate());
  let running = 0;
  let most = 0;
  const run = pMap(
    items,
    async (i) => {
      running += 1;
      most = Math.max(most, running);
      await gates[i]!.opened;
      running -= 1;
      return i * 2;
    },
    { concurrency: 3 },
  );
  await tick();
  t.equal(running, 3, 'three start at once');
  // Finish them one at a time out of order: each end lets exactly one more start.
  for (const i of [2, 0, 1, ...items.slice(3)]) {
    gates[i]!.open();
    await tick();
  }
  t.same(
    await run,
    items.map((i) => i * 2),
  );
  t.equal(most, 3, 'never a fourth');
});

t.test('a rejection rejects the run and no further item starts', async (t) => {
  const started: number[] = [];
  const gates = [gate(), gate(), gate(), gate(), gate()];
  const run = pMap(
    [0, 1, 2, 3, 4],
    async (i) => {
      started.push(i);
      await gates[i]!.opened;
      if (i === 0) throw new Error('upload 0 failed');
      return i;
    },
    { concurrency: 2 },
  );
  await tick();
  t.same(started, [0, 1], 'two start');
  gates[0]!.open();
  await t.rejects(run, { message: 'upload 0 failed' });
  await tick();
  t.same(started, [0, 1], 'items after the failure are not started');
  gates.forEach((g) => g.open());
});
