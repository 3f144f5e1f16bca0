/** What `beluga-cert sandbox` prints about its SMTP sink: the settings that point the tool at it. */
import type { SmtpSink } from './smtp-sink.js';

/** `password` is printed only when the sandbox made it up (never one taken from the settings). */
export function formatSmtpSinkBanner(sink: Pick<SmtpSink, 'port' | 'caPem'>, user: string, password?: string): string[] {
  return [
    `SMTP sink (STARTTLS, AUTH PLAIN/LOGIN) listening on 127.0.0.1:${sink.port}`,
    `  SMTP_HOST=127.0.0.1 SMTP_PORT=${sink.port} SMTP_USER=${user} ${password ? `SMTP_PASSWORD=${password}` : '(SMTP_PASSWORD as configured)'}`,
    '  SMTP_CA_FILE=a file holding this certificate (not a secret):',
    ...sink.caPem.trim().split(/\r?\n/).map((line) => `  ${line}`),
  ];
}
