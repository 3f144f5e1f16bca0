import type { HttpClient } from '../http.js';
import type { Writable } from '../redact.js';

/** Everything a command touches in the outside world, passed in so tests can give their own. */
export interface RunContext {
  env: Partial<Record<string, string>>;
  stdout: Writable;
  stderr: Writable;
  http: HttpClient;
  now: () => Date;
  host: string;
  /**
   * This process's user id (process.getuid()): root's journal is in /var/lib, another user's in
   * their home. Absent (no POSIX user ids, or a test that does not say) counts as root.
   */
  uid?: number;
}
