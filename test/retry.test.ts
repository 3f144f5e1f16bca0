/**
 * The retry engine on its own: how each run ends, the deadline rule, the server's wait (capped,
 * and past the deadline ending the retries), the backoff and the Retry-After reading. A fake clock
 * moves only when the engine sleeps or an attempt says it took time, so nothing here really waits.
 */
import t from 'tap';
import {
  askedWaitMs,
  backoffDelayMs,
  MIN_ATTEMPT_MS,
  REQUEST_BACKOFF,
  retry,
  RETRY_AFTER_CAP_MS,
  retryAfterMs,
  runBudgetFromSettings,
  secondsToWaitMs,
  type Answer,
  type RetryOptions,
} from '../src/retry.js';

const START = 1_700_000_000_000;

/** Plays `answers` in order (the last one repeats); each attempt may say how long it took. */
function script(answers: Array<Answer<string> & { tookMs?: number }>, options: Partial<RetryOptions<string>> = {}) {
  const clock = { now: START };
  const sleeps: number[] = [];
  const timeouts: number[] = [];
  const retries: string[] = [];
  const run = retry<string>(
    async (n, timeoutMs) => {
      timeouts.push(timeoutMs);
      const answer = answers[Math.min(n, answers.length) - 1]!;
      clock.now += answer.tookMs ?? 0;
      return answer;
    },
    {
      maxAttempts: 4,
      timeoutMs: 5000,
      now: () => clock.now,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.now += ms;
      },
      random: () => 0.5,
      onRetry: (next, waitMs, answer) => retries.push(`${next} after ${waitMs}: ${answer.value}`),
      ...options,
    },
  );
  return { run, sleeps, timeouts, retries, clock };
}

const retryAnswer = (value: string, afterMs?: number): Answer<string> => ({ kind: 'retry', value, afterMs });

t.test('sent and final end at once; every attempt asking again ends with the last answer', async (t) => {
  const sent = script([retryAnswer('HTTP 503'), { kind: 'sent', value: 'ok' }]);
  t.strictSame(await sent.run, { ending: 'sent', value: 'ok', attempts: 2 });
  t.strictSame(sent.sleeps, [250]);
  t.strictSame(sent.retries, ['2 after 250: HTTP 503']);

  const final = script([{ kind: 'final', value: 'HTTP 401' }]);
  t.strictSame(await final.run, { ending: 'final', value: 'HTTP 401', attempts: 1 });
  t.strictSame(final.sleeps, []);

  const always = script([retryAnswer('HTTP 503')]);
  t.strictSame(await always.run, { ending: 'attempts', value: 'HTTP 503', attempts: 4 });
  t.strictSame(always.sleeps, [250, 500, 1000], 'no wait after the last attempt');
  t.strictSame(
    always.retries.map((r) => r.slice(0, 1)),
    ['2', '3', '4'],
  );
});

t.test('maxAttempts: at least one, whole, and a nonsense value means one', async (t) => {
  for (const [maxAttempts, attempts] of [
    [1, 1],
    [0, 1],
    [-3, 1],
    [2.7, 2],
    [Number.NaN, 1],
    [Infinity, 1],
  ] as const) {
    const s = script([retryAnswer('x')], { maxAttempts });
    t.equal((await s.run).attempts, attempts, `maxAttempts ${maxAttempts}`);
  }
});

t.test('without a deadline only maxAttempts bounds the run, and each attempt gets the full timeout', async (t) => {
  const s = script([retryAnswer('x', 3_600_000)], { maxAttempts: 3 });
  t.strictSame(await s.run, { ending: 'attempts', value: 'x', attempts: 3 });
  t.strictSame(s.sleeps, [RETRY_AFTER_CAP_MS, RETRY_AFTER_CAP_MS], 'an hour asked, the cap waited');
  t.strictSame(s.timeouts, [5000, 5000, 5000]);
});

t.test('the deadline: each attempt is cut to what is left; a retry needs its wait plus MIN_ATTEMPT_MS', async (t) => {
  const s = script([retryAnswer('HTTP 503')], { maxAttempts: 6, deadline: START + 2500 });
  t.strictSame(await s.run, { ending: 'no-time', value: 'HTTP 503', attempts: 3 });
  t.strictSame(s.sleeps, [250, 500]);
  t.strictSame(s.timeouts, [2500, 2250, 1750]);
  t.equal(MIN_ATTEMPT_MS, 1000, 'a 1 s wait at 1750 ms left would leave 750 ms: under the minimum');

  // Exactly enough: the wait and a whole minimum attempt end on the deadline.
  const edge = script([retryAnswer('x'), { kind: 'sent', value: 'ok' }], { deadline: START + 250 + MIN_ATTEMPT_MS });
  t.strictSame(await edge.run, { ending: 'sent', value: 'ok', attempts: 2 });
  t.strictSame(edge.timeouts, [1250, 1000]);
});

t.test('a spent deadline sends nothing; a wait that overran it ends the run', async (t) => {
  const spent = script([{ kind: 'sent', value: 'ok' }], { deadline: START });
  t.strictSame(await spent.run, { ending: 'spent', attempts: 0 });
  t.strictSame(spent.timeouts, []);

  const clock = { now: START };
  const stalled = await retry<string>(async () => retryAnswer('dropped'), {
    maxAttempts: 4,
    timeoutMs: 5000,
    deadline: START + 5000,
    random: () => 0.5,
    now: () => clock.now,
    sleep: async (ms) => {
      clock.now += ms * 20;
    }, // the machine stalled during the wait
  });
  t.strictSame(stalled, { ending: 'ran-out', value: 'dropped', attempts: 1 });
});

t.test('an attempt that used up the time leaves none for another', async (t) => {
  const s = script([{ ...retryAnswer('timeout'), tookMs: 900 }], { deadline: START + 1100 });
  t.strictSame(await s.run, { ending: 'no-time', value: 'timeout', attempts: 1 });
  t.strictSame(s.timeouts, [1100]);
});

t.test("the server's wait: honoured up to the cap; one ending past the deadline stops at once", async (t) => {
  const told = script([retryAnswer('HTTP 429', 2000), { kind: 'sent', value: 'ok' }], { deadline: START + 90_000 });
  t.strictSame(await told.run, { ending: 'sent', value: 'ok', attempts: 2 });
  t.strictSame(told.sleeps, [2000], 'the ask beats the backoff');

  const long = script([retryAnswer('HTTP 429', 30_000), { kind: 'sent', value: 'ok' }], { deadline: START + 90_000 });
  await long.run;
  t.strictSame(long.sleeps, [RETRY_AFTER_CAP_MS], 'capped while it ends before the deadline');

  const past = script([retryAnswer('HTTP 429', 3_600_000)], { deadline: START + 90_000 });
  t.strictSame(await past.run, { ending: 'no-time', value: 'HTTP 429', attempts: 1 });
  t.strictSame(past.sleeps, [], 'coming back sooner than asked would only be refused again');

  const zero = script([retryAnswer('HTTP 429', 0), { kind: 'sent', value: 'ok' }]);
  await zero.run;
  t.strictSame(zero.sleeps, [0], 'a zero ask is taken at its word');
  const negative = script([retryAnswer('HTTP 429', -5), { kind: 'sent', value: 'ok' }]);
  await negative.run;
  t.strictSame(negative.sleeps, [0]);
});

t.test('an error thrown by an attempt is a bug: it reaches the caller, untried again', async (t) => {
  let calls = 0;
  const broken = async (): Promise<Answer<string>> => {
    calls += 1;
    throw new RangeError('bug');
  };
  await t.rejects(retry(broken, { maxAttempts: 4, timeoutMs: 1000 }), RangeError);
  t.equal(calls, 1);
});

t.test('without an injected sleep the engine really waits (the shortest backoff)', async (t) => {
  let n = 0;
  const run = await retry<string>(async () => (++n < 2 ? retryAnswer('x') : { kind: 'sent', value: 'ok' }), {
    maxAttempts: 2,
    timeoutMs: 1000,
    random: () => 0,
  });
  t.strictSame(run, { ending: 'sent', value: 'ok', attempts: 2 });
});

t.test('the request backoff: jittered under 500 ms doubling to 8 s, never under 125 ms', async (t) => {
  t.strictSame(REQUEST_BACKOFF, { baseDelayMs: 500, maxDelayMs: 8000 });
  const top = () => 0.999999;
  const ceilings = [1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, REQUEST_BACKOFF, top));
  t.strictSame(ceilings, [500, 1000, 2000, 4000, 8000, 8000]);
  t.strictSame(
    [1, 2, 3, 4, 5].map((a) => backoffDelayMs(a, REQUEST_BACKOFF, () => 0.5)),
    [250, 500, 1000, 2000, 4000],
  );
  t.strictSame(
    [1, 5].map((a) => backoffDelayMs(a, REQUEST_BACKOFF, () => 0)),
    [125, 125],
  );
  t.equal(backoffDelayMs(0, REQUEST_BACKOFF, top), 500, 'attempt 0 is treated as the first');
});

t.test('Retry-After: delta seconds with fractions, HTTP dates, garbage ignored; the wait capped', async (t) => {
  t.equal(askedWaitMs('1.5', START), 1500);
  t.equal(askedWaitMs('0.25', START), 250);
  t.equal(askedWaitMs(' 3 ', START), 3000);
  t.equal(askedWaitMs('3600', START), 3_600_000, 'the ask itself is not capped: the engine must see it');
  t.equal(askedWaitMs(new Date(START + 4000).toUTCString(), START), 4000);
  t.equal(askedWaitMs(new Date(START - 4000).toUTCString(), START), 0);
  for (const bad of [undefined, '', ' ', '-1', '1.', '.5', '1e3', '0x10', 'soon', 'Sun, 99 Foo 2024']) {
    t.equal(askedWaitMs(bad, START), undefined, `ignored: ${String(bad)}`);
  }
  t.equal(retryAfterMs('3600', START), RETRY_AFTER_CAP_MS);
  t.equal(retryAfterMs('9.5', START), 9500);
  t.equal(retryAfterMs('soon', START), undefined);
  t.equal(RETRY_AFTER_CAP_MS, 10_000);
});

t.test('a wait in seconds from a JSON body: as asked, in ms; anything but a number ignored', async (t) => {
  t.equal(secondsToWaitMs(0.75), 750);
  t.equal(secondsToWaitMs(3600), 3_600_000);
  for (const bad of [undefined, null, '1', -1, Number.NaN, Infinity]) t.equal(secondsToWaitMs(bad), undefined);
});

t.test('the run budget: BELUGA_RUN_BUDGET seconds from now, 90 s by default, a bad value named', async (t) => {
  t.strictSame(runBudgetFromSettings({}, START), { budgetMs: 90_000, deadline: START + 90_000 });
  t.strictSame(runBudgetFromSettings({ BELUGA_RUN_BUDGET: '7.5' }, START), { budgetMs: 7500, deadline: START + 7500 });
  const problems: string[] = [];
  const fallback = runBudgetFromSettings({ BELUGA_RUN_BUDGET: '4' }, START, problems);
  t.strictSame(fallback, { budgetMs: 90_000, deadline: START + 90_000 });
  t.strictSame(problems, ['BELUGA_RUN_BUDGET must be a number of seconds from 5 to 3600 (got 4)']);
});
