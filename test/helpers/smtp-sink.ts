/**
 * The sandbox's SMTP server: a real one (smtp-server) on 127.0.0.1 that offers STARTTLS with a
 * certificate made at start, wants AUTH PLAIN or LOGIN with the configured user and password, and
 * records every message it accepts. Faults make it answer as real servers do when things go
 * wrong: 535 bad login, 550 unknown mailbox, 421/450/451/452 try later, no STARTTLS, or silence.
 */
import type { Socket } from 'node:net';
import type { SMTPServer, SMTPServerOptions } from 'smtp-server';
import { readMail, type ReadMail } from './mail-reader.js';
import { listenOnLoopback } from '../../src/sandbox/listen.js';
import { makeSelfSigned } from '../../src/sandbox/self-signed.js';

export interface SmtpSinkOptions {
  user: string;
  password: string;
  /** 0 (default) = any free port; always 127.0.0.1. */
  port?: number;
  /** One line per message or refusal (never a password or a message body). */
  log?: (line: string) => void;
}

type SmtpFaultKind =
  | 'auth-failed' // 535 5.7.8 to every AUTH, right password or not
  | 'mailbox-unavailable' // 550 5.1.1 at RCPT TO (for `recipient` only, when given)
  | 'temporary' // `code`: 421 at the greeting, 450/452 at RCPT TO, 451 after DATA
  | 'no-starttls' // STARTTLS neither offered nor accepted (502), as on an old relay
  | 'hang'; // accepts the connection and never greets

interface SmtpFault {
  kind: SmtpFaultKind;
  code?: 421 | 450 | 451 | 452;
  recipient?: string;
  /** How many connections it applies to (default: all, until cleared). */
  times?: number;
}

interface SmtpMessage extends ReadMail {
  /** The envelope, as MAIL FROM and RCPT TO gave it. */
  from: string;
  to: string[];
  /** The user that logged in; undefined when none did. */
  user?: string;
  /** True when the session was encrypted (STARTTLS) before the message was sent. */
  secure: boolean;
  raw: string;
}

export interface SmtpSink {
  port: number;
  /** The PEM of the sink's self-signed certificate: give it to clients as SMTP_CA_FILE. */
  caPem: string;
  messages: SmtpMessage[];
  /** Every AUTH attempt: who, and whether it came over an encrypted session. */
  logins: Array<{ user: string; secure: boolean; ok: boolean }>;
  /** Sets (or, with undefined, clears) the fault for the next connections. */
  setFault(fault?: SmtpFault): void;
  close(): Promise<void>;
}

const TEMPORARY: Record<number, string> = {
  421: '4.3.2 Service not available, closing transmission channel',
  450: '4.2.1 Mailbox temporarily unavailable, try again later',
  451: '4.3.0 Temporary local problem, try again later',
  452: '4.3.1 Insufficient system storage',
};
const MAX_MESSAGE_BYTES = 1024 * 1024;

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const { SMTPServer } = await import('smtp-server');
  const { certPem, keyPem } = makeSelfSigned();
  const messages: SmtpMessage[] = [];
  const logins: SmtpSink['logins'] = [];
  const sockets = new Set<Socket>();
  const log = options.log ?? (() => {});
  let fault: SmtpFault | undefined;
  let faultLeft = Infinity;
  /** Each session's fault, taken when it connects. */
  const faults = new Map<string, SmtpFault>();

  const handlers: Partial<SMTPServerOptions> = {
    onConnect(session, callback) {
      const now = fault && faultLeft > 0 ? fault : undefined;
      if (now) {
        faultLeft -= 1;
        faults.set(session.id, now);
      }
      if (now?.kind === 'hang') return; // never answer: the client's timeout must end it
      if (now?.kind === 'no-starttls') session.disabledCommands = ['STARTTLS'];
      if (now?.kind === 'temporary' && now.code === 421) {
        log('SMTP connection refused 421');
        return callback(smtpError(421, TEMPORARY[421]!));
      }
      callback();
    },
    onAuth(auth, session, callback) {
      const ok =
        faults.get(session.id)?.kind !== 'auth-failed' &&
        auth.username === options.user &&
        auth.password === options.password;
      logins.push({ user: auth.username ?? '', secure: session.secure, ok });
      if (!ok) {
        log(`SMTP AUTH ${auth.method} 535`);
        return callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
      }
      callback(null, { user: auth.username });
    },
    onMailFrom(_address, session, callback) {
      // Checked here rather than by smtp-server, to answer in the words (and enhanced code) of a real MTA.
      if (!session.user) return callback(smtpError(530, '5.7.0 Authentication required'));
      callback();
    },
    onRcptTo(address, session, callback) {
      const f = faults.get(session.id);
      if (f?.kind === 'mailbox-unavailable' && (!f.recipient || f.recipient === address.address)) {
        log('SMTP RCPT TO 550');
        return callback(
          smtpError(
            550,
            `5.1.1 <${address.address}>: Recipient address rejected: User unknown in local recipient table`,
          ),
        );
      }
      if (f?.kind === 'temporary' && (f.code === 450 || f.code === 452))
        return callback(smtpError(f.code, TEMPORARY[f.code]!));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (faults.get(session.id)?.kind === 'temporary' && faults.get(session.id)?.code === 451) {
          log('SMTP DATA 451');
          return callback(smtpError(451, TEMPORARY[451]!));
        }
        if (stream.sizeExceeded)
          return callback(smtpError(552, '5.3.4 Message size exceeds fixed maximum message size'));
        const raw = Buffer.concat(chunks).toString('utf8');
        const { mailFrom, rcptTo } = session.envelope;
        const message: SmtpMessage = {
          ...readMail(raw),
          from: mailFrom ? mailFrom.address : '',
          to: rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          secure: session.secure,
          raw,
        };
        messages.push(message);
        log(`SMTP message from ${message.from} to ${message.to.join(', ')} accepted`);
        callback(null, 'Ok: queued');
      });
    },
    onClose(session) {
      faults.delete(session.id);
    },
  };

  const server: SMTPServer = new SMTPServer({
    ...handlers,
    key: keyPem,
    cert: certPem,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true, // see onMailFrom
    size: MAX_MESSAGE_BYTES,
    banner: 'beluga-cert sandbox',
    disableReverseLookup: true, // no DNS, not even for 127.0.0.1
    logger: false,
    closeTimeout: 100,
  });
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('error', () => {}); // a client that drops mid-session is not the sink's failure

  // SMTPServer.listen is its net server's listen.
  const port = await listenOnLoopback(server.server, options.port);
  return {
    port,
    caPem: certPem,
    messages,
    logins,
    setFault(next) {
      fault = next;
      faultLeft = next?.times ?? Infinity;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
