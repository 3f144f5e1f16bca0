/**
 * What a notifier is, in one place: the settings it reads (and which are secrets), what switches
 * it on, the sandbox sink that plays its service in tests and the demo, and a loader for the code
 * that renders each event and judges each answer. The loader keeps a run from paying for a
 * notifier it does not use; everything else here is plain data, cheap to import anywhere.
 */
import type { SettingRow, SettingsOf } from '../config/setting-row.js';
import type { NOTIFY_ROWS } from './shared-settings.js';
import type { Notifier, NotifierDeps } from './types.js';

/** What a notifier's code is given: its own settings and the shared ones, typed by their rows. */
export type NotifierSettings<Rows extends readonly SettingRow[]> = SettingsOf<Rows> & SettingsOf<typeof NOTIFY_ROWS>;

/** The part of a notifier loaded only when it is configured. */
interface NotifierModule<Rows extends readonly SettingRow[] = readonly SettingRow[]> {
  /** The notifier, or undefined when its settings say off; throws a CONFIG HookError for bad settings. */
  createFromSettings(settings: NotifierSettings<Rows>, deps: NotifierDeps): Notifier | undefined;
}

/** The sandbox's stand-in for a service: an HTTP sink on the sandbox's server, or its SMTP server. */
export interface NotifierSink {
  readonly name: string;
  readonly kind: 'http' | 'smtp';
}

export interface NotifierDefinition<
  Rows extends readonly SettingRow[] = readonly SettingRow[],
  Sink extends NotifierSink = NotifierSink,
> {
  readonly name: string;
  /** As a person names the service, for docs/configuration.md. */
  readonly title: string;
  /** Its own settings (shared ones, NOTIFY_LEVEL and NOTIFY_TIMEOUT, are in the core table). */
  readonly settings: Rows;
  /** Any of these set switches the notifier on (then its other required settings must be set too). */
  readonly enabledBy: readonly string[];
  /** How a person turns it on, for the message when none is configured. */
  readonly howToEnable: string;
  readonly sink: Sink;
  load(): Promise<NotifierModule<Rows>>;
}

/** A definition as written in a notifier's folder: what most notifiers share may be left out. */
type NotifierSpec<Name extends string, Rows extends readonly SettingRow[], Sink extends NotifierSink> = Omit<
  NotifierDefinition<Rows, Sink>,
  'name' | 'enabledBy' | 'howToEnable' | 'sink'
> & {
  readonly name: Name;
  /** Default: its first setting. */
  readonly enabledBy?: readonly string[];
  /** Default: the `enabledBy` names, joined with "and". */
  readonly howToEnable?: string;
  /** Default: an HTTP sink named as the notifier. */
  readonly sink?: Sink;
};

/** Declares a definition keeping its rows' and sink's literal names, so the table and the sandbox can type them. */
export function defineNotifier<
  const Name extends string,
  const Rows extends readonly [SettingRow, ...SettingRow[]],
  const Sink extends NotifierSink = { name: Name; kind: 'http' },
>(spec: NotifierSpec<Name, Rows, Sink>): NotifierDefinition<Rows, Sink> {
  const enabledBy = spec.enabledBy ?? [spec.settings[0].name];
  return {
    ...spec,
    enabledBy,
    howToEnable: spec.howToEnable ?? enabledBy.join(' and '),
    sink: spec.sink ?? ({ name: spec.name, kind: 'http' } as NotifierSink as Sink),
  };
}
