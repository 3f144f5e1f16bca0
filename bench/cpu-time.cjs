// Preloaded with `node --require` into a measured child: writes the CPU time it used (user +
// system, all threads, in µs) to BENCH_CPU_FILE at exit. On a shared machine CPU time moves far
// less with the load than wall time does, which includes waiting for a core.
'use strict';
const file = process.env.BENCH_CPU_FILE;
if (file) {
  delete process.env.BENCH_CPU_FILE; // the program under test never sees a bench setting
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    require('node:fs').writeFileSync(file, String(user + system));
  });
}
