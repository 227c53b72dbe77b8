// The operator's side of the chart: alert rules, the metrics NetworkPolicy, `helm test`, probes
// that start no node process, rollouts on changed rules and secrets, the heap and the PDB.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createMetrics } from '../../relay/observe/metrics.js';
import { findPromtool, promtool, promtoolMaySkip } from '../helpers/promtool.js';
import { kinds, one, relayContainer, renderValid as renderValidWith, type Container, type PodSpec, type Workload } from './chart-objects.js';
import { buildRenderer, chartDir, coalescedValues, fixtureChartDir, renderNotes, schemaErrors, type K8sObject, type RenderOptions } from './render.js';

let renderer = '';
beforeAll(() => {
  renderer = buildRenderer();
}, 180_000);

function renderValid(dir: string, options: RenderOptions = {}, subchartKey?: string): K8sObject[] {
  return renderValidWith(renderer, dir, options, subchartKey);
}

interface AlertRule { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }
type RuleObject = K8sObject & { spec: { groups: { name: string; rules: AlertRule[] }[] } };
type PodObject = K8sObject & { spec: PodSpec & { restartPolicy: string } };
type Policy = K8sObject & { spec: { ingress: { from: Record<string, unknown>[]; ports: unknown[] }[] } };

const withRules = { monitoring: { prometheusRule: { enabled: true, labels: { release: 'prom' } } } };
const found = findPromtool();
const skipPromtool = 'missing' in found && promtoolMaySkip;
const skipNote = skipPromtool ? ` (SKIPPED: ${'missing' in found ? found.missing : ''}; CI=true never skips)` : '';
const needPromtool = () => {
  if ('missing' in found) throw new Error(`${found.missing}; CI installs it in .ci/run`);
};

function rulesFile(rule: RuleObject): string {
  const file = join(mkdtempSync(join(tmpdir(), 'relay-rules-')), 'rules.yaml');
  writeFileSync(file, stringify(rule.spec));
  return file;
}

describe('helm chart: PrometheusRule (opt-in)', () => {
  let rule: RuleObject;
  beforeAll(() => {
    rule = one<RuleObject>(renderValid(chartDir, { values: withRules }), 'PrometheusRule');
  });

  it('is not rendered unless asked for', () => {
    expect(kinds(renderValid(chartDir))).not.toContain('PrometheusRule');
  });

  it('alerts on backlog age, a nearly full buffer, dead letters, no successful send, scrub failures and storage faults', () => {
    expect(rule.metadata.labels?.['release']).toBe('prom');
    const alerts = rule.spec.groups.flatMap((group) => group.rules.map((r) => r.alert));
    expect(alerts).toEqual(expect.arrayContaining([
      'ScrubRelayBacklogOld', 'ScrubRelayBufferNearFull', 'ScrubRelayDeadLettersGrowing', 'ScrubRelayNoSuccessfulSend',
      'ScrubRelayScrubFailures', 'ScrubRelayStorageFaults', 'ScrubRelayDown',
    ]));
    for (const r of rule.spec.groups.flatMap((group) => group.rules)) {
      expect(r.labels['severity'], r.alert).toMatch(/^(warning|critical)$/);
      expect(r.annotations['summary'], r.alert).toBeTruthy();
      // Every series it reads carries this release's job, so two releases do not mix.
      for (const selector of r.expr.matchAll(/\b(relay_[a-z_]+|up)\{([^}]*)\}/g)) expect(selector[2], r.alert).toContain('job="relay-scrub-relay"');
    }
  });

  it('uses only metric names the relay exports', async () => {
    const exported = new Set((await createMetrics().registry.getMetricsAsJSON()).map((metric) => metric.name));
    const used = new Set(rule.spec.groups.flatMap((group) => group.rules.flatMap((r) => [...r.expr.matchAll(/\b(?:relay|process|nodejs)_[a-z_]+/g)].map((m) => m[0]))));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(exported, name).toContain(name);
  });

  it('takes its thresholds and selector from values, and picks the sidecar container in sidecar mode', () => {
    const tuned = one<RuleObject>(renderValid(chartDir, { values: { monitoring: { prometheusRule: { enabled: true, noSendMinutes: 30, selector: 'cluster="eu1",job="relay"' } } } }), 'PrometheusRule');
    const noSend = tuned.spec.groups[0]!.rules.find((r) => r.alert === 'ScrubRelayNoSuccessfulSend')!;
    expect(noSend.expr).toContain('> 1800');
    expect(noSend.expr).toContain('{cluster="eu1",job="relay"}');
    const sidecar = renderValid(fixtureChartDir, { values: { 'scrub-relay': { mode: 'sidecar', ...withRules } }, kubeVersion: '1.30.2' }, 'scrub-relay');
    const sidecarRule = one<RuleObject>(sidecar, 'PrometheusRule');
    expect(sidecarRule.spec.groups[0]!.rules.map((r) => r.alert)).not.toContain('ScrubRelayDown');
    expect(sidecarRule.spec.groups[0]!.rules[0]!.expr).toContain('{container="scrub-relay"}');
    expect(schemaErrors(coalescedValues(renderer, chartDir, { values: { monitoring: { prometheusRule: { selector: 'job=relay' } } } }))).not.toEqual([]);
  });

  it.skipIf(skipPromtool)(`passes promtool check rules${skipNote}`, () => {
    needPromtool();
    const checked = promtool(['check', 'rules', rulesFile(rule)]);
    expect(checked.output).toContain('SUCCESS');
    expect(checked.status).toBe(0);
  });

  it.skipIf(skipPromtool)(`fires the send, buffer and storage alerts on the series a failing relay exports, and clears them (promtool test rules)${skipNote}`, () => {
    needPromtool();
    const series = (name: string, labels: Record<string, string>, values: string) => ({
      series: `${name}{${Object.entries({ job: 'relay-scrub-relay', namespace: 'telemetry', pod: 'relay-0', ...labels }).map(([k, v]) => `${k}="${v}"`).join(',')}}`,
      values,
    });
    const diagnostics = { destination: 'diagnostics' };
    const firing = (alertname: string, at: string, severity: string, labels: Record<string, string>, annotations: Record<string, string>) => ({
      eval_time: at, alertname, exp_alerts: [{ exp_labels: { severity, namespace: 'telemetry', pod: 'relay-0', ...labels }, exp_annotations: annotations }],
    });
    const tests = {
      rule_files: [rulesFile(rule)],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          // Never a success since the start; the oldest event ages one minute per minute until a send at 25m.
          series('relay_destination_last_success_timestamp_seconds', diagnostics, '0x24 1500x10'),
          series('relay_outbox_oldest_event_age_seconds', diagnostics, '0+60x24 0x10'),
          // 90 % of the limit from 5m on.
          series('relay_outbox_bytes', {}, '100x4 900x30'),
          series('relay_outbox_limit_bytes', {}, '1000x34'),
          // A start on damaged storage: counted once, before the first scrape.
          series('relay_storage_damage_total', { kind: 'corrupt_file' }, '1x90'),
          series('relay_storage_recovered_total', {}, '1x90'),
          series('process_start_time_seconds', {}, '0x90'),
        ],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'ScrubRelayNoSuccessfulSend', exp_alerts: [] },
          firing('ScrubRelayNoSuccessfulSend', '20m', 'critical', { ...diagnostics, job: 'relay-scrub-relay' }, {
            summary: 'No successful send to diagnostics for 15 minutes while events are queued',
            description: 'Events have waited over 15 minutes in relay-0 and no request to diagnostics succeeded in that time.',
          }),
          { eval_time: '27m', alertname: 'ScrubRelayNoSuccessfulSend', exp_alerts: [] },
          { eval_time: '10m', alertname: 'ScrubRelayBufferNearFull', exp_alerts: [] },
          firing('ScrubRelayStorageDamaged', '5m', 'warning', {}, {
            summary: 'relay-0 found damaged storage at start',
            description: 'The database or its WAL was damaged; the relay salvaged what it could (relay_salvaged_events_total, relay_salvage_unreadable_events_total).',
          }),
          { eval_time: '70m', alertname: 'ScrubRelayStorageDamaged', exp_alerts: [] },
          firing('ScrubRelayBufferNearFull', '20m', 'warning', {}, {
            summary: 'The outbox of relay-0 is 90% full',
            description: 'When it is full the relay refuses new events (RELAY_WHEN_FULL=reject) or evicts the oldest (drop_oldest).',
          }),
        ],
      }],
    };
    const file = join(mkdtempSync(join(tmpdir(), 'relay-rules-test-')), 'tests.yaml');
    writeFileSync(file, stringify(tests));
    const checked = promtool(['test', 'rules', file]);
    expect(checked.output).toContain('SUCCESS');
    expect(checked.status).toBe(0);
  });
});

describe('helm chart: NetworkPolicy for Prometheus when a ServiceMonitor is enabled', () => {
  // The rule after the applications' one.
  const metricsRule = (objects: K8sObject[]) => one<Policy>(objects, 'NetworkPolicy').spec.ingress[1];

  it('lets the Prometheus pods of the monitoring namespace in by default, and says so in the notes', () => {
    const options = { values: { monitoring: { serviceMonitor: { enabled: true } } } };
    expect(metricsRule(renderValid(chartDir, options))).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ port: 'relay', protocol: 'TCP' }],
    });
    expect(renderNotes(renderer, chartDir, options)).toContain('lets Prometheus scrape port 4319 from pods labelled {"app.kubernetes.io/name":"prometheus"} in the namespace monitoring');
  });

  it('takes the namespace and pod labels from values ("" and null: any)', () => {
    const rule = (whenServiceMonitor: Record<string, unknown>) =>
      metricsRule(renderValid(chartDir, { values: { monitoring: { serviceMonitor: { enabled: true } }, networkPolicy: { metrics: { whenServiceMonitor } } } }))?.from;
    expect(rule({ namespace: 'observability' })).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } },
    ]);
    expect(rule({ namespace: '', podLabels: null })).toEqual([{ namespaceSelector: {} }]);
    const explicit = { monitoring: { serviceMonitor: { enabled: true } }, networkPolicy: { metrics: { podSelector: { matchLabels: { app: 'vm' } } } } };
    expect(metricsRule(renderValid(chartDir, { values: explicit }))?.from).toEqual([{ podSelector: { matchLabels: { app: 'vm' } } }]);
  });

  it('adds no rule for Prometheus without a ServiceMonitor or an explicit selector', () => {
    expect(one<Policy>(renderValid(chartDir), 'NetworkPolicy').spec.ingress).toHaveLength(1);
  });
});

describe('helm chart: helm test', () => {
  it('asks the Service for /readyz from a hardened hook Pod that no Service or policy takes for a relay', () => {
    const objects = renderValid(chartDir);
    const pod = one<PodObject>(objects, 'Pod');
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    expect(pod.spec.restartPolicy).toBe('Never');
    const c = pod.spec.containers[0]!;
    expect((c as Container & { command: string[] }).command.join(' ')).toContain('http://relay-scrub-relay.telemetry.svc:4319/readyz');
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const selector = one<K8sObject & { spec: { selector: Record<string, string> } }>(objects, 'Service').spec.selector;
    expect(Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v)).toBe(false);
  });

  it('is let in by a NetworkPolicy that admits only some pods, and is absent in sidecar mode or when disabled', () => {
    const objects = renderValid(chartDir, { values: { networkPolicy: { ingress: { podSelector: { matchLabels: { role: 'app' } } } } } });
    const labels = one<PodObject>(objects, 'Pod').metadata.labels ?? {};
    const peers = one<Policy>(objects, 'NetworkPolicy').spec.ingress.flatMap((rule) => rule.from) as { podSelector?: { matchLabels?: Record<string, string> } }[];
    expect(peers.some((peer) => Object.entries(peer.podSelector?.matchLabels ?? { none: '' }).every(([k, v]) => labels[k] === v))).toBe(true);
    expect(kinds(renderValid(chartDir, { values: { helmTest: { enabled: false } } }))).not.toContain('Pod');
    expect(kinds(renderValid(fixtureChartDir, { values: { 'scrub-relay': { mode: 'sidecar' } }, kubeVersion: '1.30.2' }, 'scrub-relay'))).not.toContain('Pod');
  });
});

describe('helm chart: no PDB in daemonset mode', () => {
  it('renders none where drains skip the pods anyway, and the notes say why', () => {
    const options = { values: { mode: 'daemonset', podDisruptionBudget: { enabled: true } } };
    expect(kinds(renderValid(chartDir, options))).not.toContain('PodDisruptionBudget');
    expect(renderNotes(renderer, chartDir, options)).toContain('podDisruptionBudget.enabled is ignored in daemonset mode');
    expect(kinds(renderValid(chartDir, { values: { podDisruptionBudget: { enabled: true } } }))).toContain('PodDisruptionBudget');
  });
});

interface PodTemplate { metadata: { annotations?: Record<string, string> }; spec: PodSpec }
const sidecarPod = (objects: K8sObject[]) => (objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'relay-test-app') as Workload).spec.template as unknown as PodTemplate;

describe('helm chart: checksum annotations roll the pods when rules or secrets change, in every mode', () => {
  const annotations = (objects: K8sObject[], kind: string) =>
    (kind === 'sidecar' ? sidecarPod(objects) : (one<Workload>(objects, kind).spec.template as unknown as PodTemplate)).metadata.annotations ?? {};
  const renderMode = (kind: string, values: Record<string, unknown>) =>
    kind === 'sidecar'
      ? renderValid(fixtureChartDir, { values: { 'scrub-relay': { mode: 'sidecar', ...values } }, kubeVersion: '1.30.2' }, 'scrub-relay')
      : renderValid(chartDir, { values: { mode: kind === 'Deployment' ? 'deployment' : 'daemonset', ...values } });

  for (const kind of ['Deployment', 'DaemonSet', 'sidecar']) {
    it(`changes checksum/rules and checksum/secrets of the ${kind} pods`, () => {
      const base = annotations(renderMode(kind, { rules: 'rules: []\n', secrets: { ingestToken: 'one-0123456789' } }), kind);
      expect(base['checksum/rules']).toMatch(/^[a-f0-9]{64}$/);
      expect(base['checksum/secrets']).toMatch(/^[a-f0-9]{64}$/);
      const rules = annotations(renderMode(kind, { rules: 'rules:\n  - id: x\n    pattern: "X-[0-9]{4}"\n', secrets: { ingestToken: 'one-0123456789' } }), kind);
      expect(rules['checksum/rules']).not.toBe(base['checksum/rules']);
      expect(rules['checksum/secrets']).toBe(base['checksum/secrets']);
      const secrets = annotations(renderMode(kind, { rules: 'rules: []\n', secrets: { ingestToken: 'two-0123456789' } }), kind);
      expect(secrets['checksum/secrets']).not.toBe(base['checksum/secrets']);
      expect(secrets['checksum/rules']).toBe(base['checksum/rules']);
    });
  }
});

describe('helm chart: the heap follows the container memory limit', () => {
  it('passes no V8 heap flag, so bin/scrub-relay derives it from the cgroup limit, in every mode', () => {
    const pods = [
      one<Workload>(renderValid(chartDir), 'Deployment').spec.template.spec,
      one<Workload>(renderValid(chartDir, { values: { mode: 'daemonset' } }), 'DaemonSet').spec.template.spec,
      sidecarPod(renderValid(fixtureChartDir, { values: { 'scrub-relay': { mode: 'sidecar' } }, kubeVersion: '1.30.2' }, 'scrub-relay')).spec,
    ];
    for (const pod of pods) {
      const c = relayContainer(pod) as Container & { args?: string[]; command?: string[]; resources?: { limits?: { memory?: string } } };
      expect(JSON.stringify(c)).not.toMatch(/max-old-space-size|NODE_OPTIONS|RELAY_HEAP_MB/);
      expect(c.command).toBeUndefined();
      expect(c.args).toEqual(['serve']);
      expect(c.resources?.limits?.memory).toBe('256Mi');
    }
  });
});

describe('helm chart: probes that start no node process', () => {
  it('has the kubelet send httpGet probes in deployment and daemonset mode, and to a sidecar that listens beyond loopback', () => {
    const pods = [
      one<Workload>(renderValid(chartDir), 'Deployment').spec.template.spec,
      one<Workload>(renderValid(chartDir, { values: { mode: 'daemonset' } }), 'DaemonSet').spec.template.spec,
      sidecarPod(renderValid(fixtureChartDir, { values: { 'scrub-relay': { mode: 'sidecar', config: { host: '0.0.0.0' } } }, kubeVersion: '1.30.2' }, 'scrub-relay')).spec,
    ];
    for (const pod of pods) {
      const c = relayContainer(pod);
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe].filter((p) => p !== undefined)) {
        expect(probe.exec).toBeUndefined();
        expect(probe.httpGet?.port).toBe('relay');
      }
    }
  });

  describe('a loopback-only sidecar, probed by bash over /dev/tcp', () => {
    let server: Server;
    let status = 200;
    let port = 0;
    beforeAll(async () => {
      server = createServer((request, response) => {
        response.writeHead(request.url === '/healthz' ? status : 404, { 'content-type': 'application/json' });
        response.end('{"status":"ok"}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const livenessCommand = (relayPort: number) => {
      const objects = renderValid(fixtureChartDir, { values: { 'scrub-relay': { mode: 'sidecar', config: { port: relayPort } } }, kubeVersion: '1.30.2' }, 'scrub-relay');
      const command = relayContainer(sidecarPod(objects).spec).livenessProbe?.exec?.command;
      if (command === undefined) throw new Error('no exec probe');
      return command;
    };
    // Asynchronous: the server answering the probe runs in this process.
    const run = (command: string[]) =>
      new Promise<number | null>((resolve) => spawn(command[0]!, command.slice(1), { stdio: 'ignore', timeout: 10_000 }).once('exit', (code) => resolve(code)));

    it('runs bash, not node, and passes while /healthz answers 200', async () => {
      const command = livenessCommand(port);
      expect(command[0]).toBe('bash');
      expect(command).not.toContain('node');
      status = 200;
      expect(await run(command)).toBe(0);
    });

    it('fails on another status and when nothing listens', async () => {
      status = 503;
      expect(await run(livenessCommand(port))).not.toBe(0);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      expect(await run(livenessCommand(closedPort))).not.toBe(0);
    });
  });
});
