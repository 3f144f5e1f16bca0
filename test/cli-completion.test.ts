/**
 * `beluga-cert completion` prints a shell completion script built from the command table; the
 * script, sourced into bash, completes commands and each command's options by asking the
 * checkout's beluga-cert (found through a PATH built for the test, never an installed one).
 * Completion does not loosen the strict parse: a misspelt command still exits 2.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { COMMANDS } from '../src/command-line/commands.js';
import { runCli, type CliResult } from './helpers/run-cli.js';
import { testPath } from './helpers/test-path.js';

/** bash with the completion script sourced: the words typed so far, the last being completed. */
function complete(script: string, words: string[]): Promise<CliResult> {
  const body =
    `${script}\nCOMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _beluga-cert_yargs_completions; ` +
    `printf '%s\\n' "\${COMPREPLY[@]}"`;
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['--norc', '--noprofile', '-c', body, 'bash', ...words],
      {
        env: { PATH: testPath({ checkout: true }), HOME: '/nonexistent', BELUGA_HOOK_CONFIG: 'none' },
        timeout: 60_000,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const lines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l !== '')
    .sort();

t.test("completion prints a bash script that completes every command and each command's options", async (t) => {
  const r = await runCli(['completion'], { SHELL: '/bin/bash' });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  t.match(r.stdout, /^###-begin-beluga-cert-completions-###$/m);
  t.match(r.stdout, /^complete .* beluga-cert$/m, 'registers a completion for beluga-cert');
  t.match(r.stdout, /beluga-cert --get-yargs-completions/, 'asks beluga-cert itself for the words');

  const direct = await runCli(['--get-yargs-completions', 'beluga-cert', '']);
  t.equal(direct.code, 0, direct.stderr);
  const all = [...COMMANDS.map((c) => c.name), 'completion'].sort();
  t.same(lines(direct.stdout), all, 'names every command of the table');

  const commands = await complete(r.stdout, ['beluga-cert', '']);
  t.equal(commands.code, 0, commands.stderr);
  t.same(lines(commands.stdout), all, 'bash offers every command');
  const prefix = await complete(r.stdout, ['beluga-cert', 'st']);
  t.same(lines(prefix.stdout), ['status'], 'bash completes a prefix');
  for (const spec of COMMANDS.filter((c) => c.options.length > 0)) {
    const options = await complete(r.stdout, ['beluga-cert', spec.name, '--']);
    t.equal(options.code, 0, options.stderr);
    for (const option of spec.options) {
      t.ok(lines(options.stdout).includes(`--${option.name}`), `${spec.name}: offers --${option.name}`);
    }
  }
});

t.test('completion leaves the strict command line as it was: a typo exits 2 with one line', async (t) => {
  for (const typo of [['completon'], ['deplyo'], ['completion', '--frobnicate']]) {
    const r = await runCli(typo);
    t.equal(r.code, 2, `${typo.join(' ')}: exit 2`);
    t.equal(r.stdout, '');
    t.match(r.stderr, /^beluga-cert: USAGE: Unknown argument: \S+; see beluga-cert( completion)? --help\n$/);
  }
});
