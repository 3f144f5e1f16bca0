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
}
