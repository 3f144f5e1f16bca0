/**
 * The one way a notifier is assembled. A notifier is a name and one method per event kind; here
 * those methods are made from a single function that is given the kind, so a sender says only how
 * it sends and how it draws an event, and a new event kind needs no line in any sender.
 */
import { EVENT_FACTS, type MessageFacts } from './message-facts.js';
import type { EventKind, Notifier, NotifyEvents, NotifyResult, PerKind } from './types.js';

/** How a notifier turns an event of any kind into what it sends. */
export type Render<Out> = <K extends EventKind>(kind: K, event: NotifyEvents[K]) => Out;

/** Every kind, in the order of the facts table (its type makes it complete). */
const KINDS = Object.keys(EVENT_FACTS) as EventKind[];

/** A table of one function per kind, as one Render. */
export function byKind<Out>(table: PerKind<Out>): Render<Out> {
  return (kind, event) => table[kind](event);
}

/** Draws the facts every message shares (message-facts.ts) the way one service shows them. */
export function drawFacts<Out>(draw: (facts: MessageFacts) => Out): Render<Out> {
  const facts = byKind(EVENT_FACTS);
  return (kind, event) => draw(facts(kind, event));
}

/** The notifier whose every method hands its event, with the kind, to `handle`. */
export function eachKind(name: string, handle: Render<Promise<NotifyResult>>): Notifier {
  const methods = KINDS.map((kind) => [kind, (event: NotifyEvents[EventKind]) => handle(kind, event)]);
  return { name, ...Object.fromEntries(methods) } as Notifier;
}

/** The notifier that sends each event as `render` draws it; `send` makes one message, its retries and its result. */
export function notifierFrom<Payload>(spec: {
  name: string;
  send: (build: () => Payload) => Promise<NotifyResult>;
  render: Render<Payload>;
}): Notifier {
  return eachKind(spec.name, (kind, event) => spec.send(() => spec.render(kind, event)));
}
