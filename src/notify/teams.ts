/**
 * The Microsoft Teams notifier, for a Workflows (Power Automate) webhook: POST an Adaptive Card
 * message; the workflow answers 202 Accepted with an empty body. Errors come as
 * `{"error": {"code", "message"}}`; 429 and 5xx are retried. The URL's `sig` is the secret.
 */
import type { HttpResponse } from '../http.js';
import { createRedactor } from '../redact.js';
import { drawFacts } from './notifier-from.js';
import { notifierConfig, secretUrl, type NotifyLimits } from './notify-settings.js';
import { answerText, httpNotifier, parseJsonObject, transient, type Verdict } from './post-with-retry.js';
import type { NotifierSettings } from './definition.js';
import { teamsPayload } from './teams-message.js';
import type { Notifier, NotifierDeps } from './types.js';
import type { TEAMS_ROWS } from './teams/settings.js';

type TeamsSettings = NotifierSettings<typeof TEAMS_ROWS>;

export interface TeamsConfig extends NotifyLimits {
  webhookUrl: string;
}

/** Reads TEAMS_WEBHOOK_URL (a secret, or _FILE) and NOTIFY_TIMEOUT; throws CONFIG naming every problem. */
export function teamsConfig(s: TeamsSettings): TeamsConfig {
  return notifierConfig(s, (problems) => ({ webhookUrl: secretUrl(s, 'TEAMS_WEBHOOK_URL', problems) }));
}

export function createTeamsNotifier(config: TeamsConfig, deps: NotifierDeps): Notifier {
  const hide = createRedactor([config.webhookUrl], { label: '[Teams webhook URL]' });
  const render = drawFacts(teamsPayload);
  return httpNotifier({ name: 'teams', url: config.webhookUrl, hide, judge: judgeTeams, render }, config, deps);
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
