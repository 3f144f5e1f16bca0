/**
 * The pipeline's verify step: after an upload, ask the CDN's edge which certificate it
 * serves for each name, poll until it is the new one or the time is up, record the result in the
 * journal and hand notifiers a summary. It never fails a deploy: every problem becomes a line.
 */
import type { CheckedCertificate } from '../certificate/types.js';
import type { DeployRecorder } from '../journal/deploy-recorder.js';
import type { EdgeCheck } from '../journal/types.js';
import type { EdgeSummary } from './edge-result.js';
import type { Output } from '../redact.js';
import type { EdgeAddress } from './edge-address.js';
import { laterEdge, skippedEdge, summariseEdge } from './edge-summary.js';
import type { Probe } from './edge-probe.js';
import { pollEdge, probeableNames } from './poll-edge.js';
import type { VerifyMode } from './verify-settings.js';

/** Time kept back from the run budget for the journal write and the notifications. */
const BUDGET_RESERVE_MS = 5000;

export interface EdgeStepConfig {
  /** The effective mode (see effectiveMode): 'off' does nothing. */
  mode: VerifyMode;
  timeoutMs: number;
  edgeAddress?: EdgeAddress;
  /** What is left of the run budget when the step starts, or undefined for no budget (cron commands). */
  budgetLeftMs?: () => number;
}

export interface EdgeStepDeps {
  probe?: Probe;
  sleep?: (ms: number) => Promise<void>;
}

/** The step as the pipeline calls it; undefined when verification is off. */
export type EdgeStep = (
  cert: CheckedCertificate,
  recorder: DeployRecorder | undefined,
  out: Output,
) => Promise<EdgeSummary | undefined>;

export function createEdgeStep(config: EdgeStepConfig, deps: EdgeStepDeps = {}): EdgeStep | undefined {
  if (config.mode === 'off') return undefined;
  return async (cert, recorder, out) => {
    const uploadedAt = Date.now();
    const names = probeableNames(cert.names);
    const pending = (text?: string): EdgeCheck => ({
      state: 'pending',
      fingerprint256: cert.fingerprint256,
      names,
      uploadedAt: new Date(uploadedAt).toISOString(),
      ...(text ? { checkedAt: new Date().toISOString(), text } : {}),
    });
    let summary: EdgeSummary;
    let check: EdgeCheck | undefined;
    if (names.length === 0) {
      summary = skippedEdge('not checked: the certificate has only wildcard names, which have no host to ask for');
    } else if (config.mode === 'later') {
      summary = laterEdge();
      check = pending();
    } else {
      const budget = config.budgetLeftMs ? config.budgetLeftMs() - BUDGET_RESERVE_MS : Infinity;
      const spendMs = Math.min(config.timeoutMs, budget);
      if (spendMs < 1000) {
        summary = skippedEdge(
          'not checked in this run: the run budget (BELUGA_RUN_BUDGET) is spent; beluga-cert verify reports it',
        );
        check = pending();
      } else {
        const { probeEdge } = deps.probe ? { probeEdge: deps.probe } : await import('./edge-probe.js');
        const result = await pollEdge(
          {
            names,
            expected: {
              fingerprint256: cert.fingerprint256,
              notBefore: cert.notBefore,
              previousFingerprint256: recorder?.replacedFingerprint?.(),
            },
            edgeAddress: config.edgeAddress,
            uploadedAt,
            deadline: Date.now() + spendMs,
            giveUpWithoutEdge: config.mode === 'auto',
          },
          { probe: probeEdge, now: Date.now, sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))) },
        );
        if (result.noEdge) {
          summary = skippedEdge(
            `not checked: no edge reachable from this host (${result.names[0]?.detail ?? 'no answer'}); set BELUGA_EDGE_ADDRESS, or BELUGA_VERIFY=later or off`,
          );
        } else {
          summary = summariseEdge(result.names, new Date());
          const served = result.names.every((n) => n.outcome === 'served');
          check = served ? { ...pending(summary.text), state: 'served' } : pending(summary.text);
        }
      }
    }
    out.info(`verify: ${summary.text}`);
    if (check && recorder?.recordEdge) {
      try {
        await recorder.recordEdge(check);
      } catch (err) {
        out.info(
          `warning: could not record the edge check in the journal: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    return summary;
  };
}
