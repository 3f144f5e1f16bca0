// Preloaded with `node --require` into a measured child: writes its peak resident memory (kB) to
// BENCH_RSS_FILE at exit, so no /usr/bin/time package is needed. VmHWM from /proc, not
// resourceUsage().maxRSS or wait4's: Linux carries the forking parent's high-water mark into those.
'use strict';
const file = process.env.BENCH_RSS_FILE;
if (file) {
  delete process.env.BENCH_RSS_FILE; // the program under test never sees a bench setting
  process.on('exit', () => {
    const fs = require('node:fs');
    let kb;
    try {
      kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
    } catch {
      kb = process.resourceUsage().maxRSS;
    }
    fs.writeFileSync(file, String(kb));
  });
}
