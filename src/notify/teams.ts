/**
 * The Microsoft Teams notifier, for a Workflows (Power Automate) webhook: POST an Adaptive Card
 * message; the workflow answers 202 Accepted with an empty body. Errors come as
 * `{"error": {"code", "message"}}`; 429 and 5xx are retried. The URL's `sig` is the secret.
 */
import { checkUrl } from '../config/check-url.js';
import type { HttpResponse } from '../http.js';
import { createRedactor } from '../redact.js';
import { NOTIFY_ATTEMPTS, readNotifyTimeoutMs, throwProblems } from './notify-settings.js';
import { answerText, createPoster, parseJsonObject, transient, type Verdict } from './post-with-retry.js';
import type { NotifierSettings } from './definition.js';
import { teamsExpiry, teamsFailure, teamsSkipped, teamsSuccess, teamsSync, teamsTest } from './teams-message.js';
import type { Notifier, NotifierDeps } from './types.js';
import type { TEAMS_ROWS } from './teams/settings.js';

export const TEAMS_WEBHOOK_URL = 'TEAMS_WEBHOOK_URL';

type TeamsSettings = NotifierSettings<typeof TEAMS_ROWS>;

export interface TeamsConfig {
  webhookUrl: string;
  timeoutMs: number;
  maxAttempts: number;
}

/** Reads TEAMS_WEBHOOK_URL (a secret, or _FILE) and NOTIFY_TIMEOUT; throws CONFIG naming every problem. */
export function teamsConfig(s: TeamsSettings): TeamsConfig {
  const problems: string[] = [];
  const webhookUrl = s[TEAMS_WEBHOOK_URL] ?? '';
  if (!webhookUrl) problems.push(`missing setting: ${TEAMS_WEBHOOK_URL}`);
  else checkUrl(TEAMS_WEBHOOK_URL, webhookUrl, problems, true);
  const timeoutMs = readNotifyTimeoutMs(s, problems);
  throwProblems(problems);
  return { webhookUrl, timeoutMs, maxAttempts: NOTIFY_ATTEMPTS };
}

export function createTeamsNotifier(config: TeamsConfig, deps: NotifierDeps): Notifier {
  const send = createPoster(
    {
      notifier: 'teams',
      url: config.webhookUrl,
      timeoutMs: config.timeoutMs,
      maxAttempts: config.maxAttempts,
      hide: createRedactor([config.webhookUrl], { label: '[Teams webhook URL]' }),
      judge: judgeTeams,
    },
    deps,
  );
  return {
    name: 'teams',
    success: (event) => send(() => teamsSuccess(event)),
    failure: (event) => send(() => teamsFailure(event)),
    sync: (event) => send(() => teamsSync(event)),
    skipped: (event) => send(() => teamsSkipped(event)),
    test: (event) => send(() => teamsTest(event)),
    expiry: (event) => send(() => teamsExpiry(event)),
  };
}

/** 202 Accepted is success (200 too, for a workflow that answers itself); errors are `{error: {code, message}}`. */
export function judgeTeams(res: HttpResponse, hide: (text: string) => string): Verdict {
  if (res.status === 202 || res.status === 200) return { kind: 'sent' };
  const error = parseJsonObject(res.text)?.error as { code?: unknown; message?: unknown } | undefined;
  const said =
    typeof error?.code === 'string'
      ? `${error.code}${typeof error.message === 'string' ? `: ${error.message}` : ''}`
      : undefined;
  return transient(res, answerText(res, hide, said));
}

/** The registry's way in: the notifier its settings describe (it is only loaded when they are set). */
export function createFromSettings(s: TeamsSettings, deps: NotifierDeps): Notifier {
  return createTeamsNotifier(teamsConfig(s), deps);
}
