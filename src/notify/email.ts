/**
 * The e-mail notifier: sends each event's message over SMTP with nodemailer, STARTTLS required
 * (or TLS from the start), retries what the server says is temporary within the run's budget,
 * and never throws: a failed mail is a warning, not a failed deploy. No detail it returns holds
 * the password or SMTP_URL's credentials.
 */
import { readRegularFile, sizeText } from '../bounded-read.js';
import { createRedactor } from '../redact.js';
import { retry, type Answer } from '../retry.js';
import { buildEmailConfig, type EmailConfig } from './email-config.js';
import { emailMessage, type EmailMessage } from './email-message.js';
import { notifierFrom } from './notifier-from.js';
import { notifyResult, retriedResult } from './retried-result.js';
import { describeSmtpError, type SmtpVerdict } from './smtp-errors.js';
import type { Notifier, NotifierDeps, NotifyResult } from './types.js';

export { buildEmailConfig, type EmailConfig } from './email-config.js';

/** What nodemailer's createTransport gets: the SMTP transport's options we use. */
interface SmtpOptions {
  host: string;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  ignoreTLS: boolean;
  auth?: { user: string; pass: string };
  tls: { ca?: string; minVersion: 'TLSv1.2'; rejectUnauthorized: true };
  connectionTimeout: number;
  greetingTimeout: number;
  socketTimeout: number;
  dnsTimeout: number;
}

interface MailEnvelope {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  signal: AbortSignal;
}

/** The part of a nodemailer transporter we use; `rejected` lists recipients the server refused. */
interface MailTransport {
  sendMail(message: MailEnvelope): Promise<{ rejected?: unknown[]; rejectedErrors?: unknown[] }>;
  close(): void;
}

export interface EmailDeps {
  /** Injected so tests can skip real waits; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms by which every attempt must have ended (the run's budget); none when absent. */
  deadline?: number;
  /** The backoff's jitter; tests inject a fixed one. */
  random?: () => number;
  /** Defaults to nodemailer's createTransport, loaded on the first send only. */
  transport?: (options: SmtpOptions) => MailTransport | Promise<MailTransport>;
}

/** nodemailer, only when a mail is actually sent: a hook without e-mail never loads it. */
async function nodemailerTransport(options: SmtpOptions): Promise<MailTransport> {
  const nodemailer = await import('nodemailer');
  return nodemailer.createTransport(options) as unknown as MailTransport;
}

export function createEmailNotifier(config: EmailConfig, deps: EmailDeps = {}): Notifier {
  const makeTransport = deps.transport ?? nodemailerTransport;
  const hide = createRedactor(config.secrets);

  async function options(timeoutMs: number): Promise<SmtpOptions> {
    const ca = config.caFile ? await readCa(config.caFile) : undefined;
    return {
      host: config.host,
      port: config.port,
      secure: config.security === 'tls',
      // STARTTLS is required: a server that does not offer it gets no password and no mail.
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'none',
      ...(config.auth ? { auth: { user: config.auth.user, pass: config.auth.password } } : {}),
      tls: { ...(ca ? { ca } : {}), minVersion: 'TLSv1.2', rejectUnauthorized: true },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
    };
  }

  /** One attempt in the retry engine's terms: the detail is the value. */
  async function attempt(message: EmailMessage, timeoutMs: number): Promise<Answer<string>> {
    const verdict = await deliver(message, timeoutMs);
    if (verdict.kind === 'sent') return { kind: 'sent', value: `sent to ${config.to.join(', ')}` };
    return { kind: verdict.kind, value: verdict.detail };
  }

  async function deliver(message: EmailMessage, timeoutMs: number): Promise<SmtpVerdict> {
    let transport: MailTransport;
    try {
      transport = await makeTransport(await options(timeoutMs));
    } catch (err) {
      return {
        kind: 'final',
        detail: `could not set up the SMTP client: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    // One clock for the whole attempt, however the server trickles its answers.
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const info = await transport.sendMail({ from: config.from, to: config.to, ...message, signal });
      const rejected = (info.rejected ?? []).map(String);
      if (rejected.length === 0) return { kind: 'sent' };
      // Some recipients got it: sending again would mail them twice, so this is final.
      const why = describeSmtpError(info.rejectedErrors?.[0], timeoutMs).detail;
      return { kind: 'final', detail: `sent, but the server refused ${rejected.join(', ')}: ${why}` };
    } catch (err) {
      return signal.aborted
        ? { kind: 'retry', detail: `timeout after ${seconds(timeoutMs)}` }
        : describeSmtpError(err, timeoutMs);
    } finally {
      transport.close();
    }
  }

  async function send(build: () => EmailMessage): Promise<NotifyResult> {
    let message: EmailMessage;
    try {
      message = build();
    } catch (err) {
      const detail = `could not build the message: ${err instanceof Error ? err.message : String(err)}`;
      return notifyResult('email', hide, false, detail, 0);
    }
    const run = await retry((_n, timeoutMs) => attempt(message, timeoutMs), {
      maxAttempts: config.maxAttempts,
      timeoutMs: config.timeoutMs,
      deadline: deps.deadline,
      sleep: deps.sleep,
      random: deps.random,
    });
    return retriedResult('email', hide, run);
  }

  return notifierFrom({ name: 'email', send, render: emailMessage });
}

/** The registry's way in: the notifier its settings describe, or none when they do not switch it on. */
export function createFromSettings(
  s: Parameters<typeof buildEmailConfig>[0],
  deps: NotifierDeps,
): Notifier | undefined {
  const config = buildEmailConfig(s);
  return config && createEmailNotifier(config, deps);
}

/** Far above any bundle of CA certificates: a bigger file is surely the wrong one. */
const MAX_CA_BYTES = 1024 * 1024;

async function readCa(path: string): Promise<string> {
  let read;
  try {
    read = await readRegularFile(path, { maxBytes: MAX_CA_BYTES });
  } catch (err) {
    throw new Error(`SMTP_CA_FILE=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: err,
    });
  }
  if ('data' in read) return read.data.toString('utf8');
  throw new Error(
    `SMTP_CA_FILE=${path} ${read.refused === 'not-regular' ? 'is not a regular file' : `is larger than ${sizeText(MAX_CA_BYTES)}`}`,
  );
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
