import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConsentFile } from '../../config/consent-file.js';
import {
  env,
  kinds,
  one,
  relayContainer,
  renderValid as renderValidWith,
  type Container,
  type PodSpec,
  type Workload,
} from './chart-objects.js';
import { buildRenderer, chartDir, coalescedValues, fixtureChartDir, render, schemaErrors, type K8sObject, type RenderOptions } from './render.js';

const chartMeta = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string; version: string };
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD)$/;

let renderer = '';

beforeAll(() => {
  renderer = buildRenderer();
}, 180_000);

function renderValid(dir: string, options: RenderOptions = {}, subchartKey?: string): K8sObject[] {
  return renderValidWith(renderer, dir, options, subchartKey);
}

function expectHardened(pod: PodSpec, c: Container): void {
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
  expect(c.securityContext).toMatchObject({
    runAsNonRoot: true,
    runAsUser: 10001,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
  expect(mounts.get('/data')).toBe('scrub-relay-data');
  expect(mounts.get('/tmp')).toBe('scrub-relay-tmp');
}

function expectNoLiteralSecrets(objects: K8sObject[], secretValues: string[]): void {
  for (const obj of objects) {
    if (obj.kind === 'Secret') continue;
    const text = JSON.stringify(obj);
    for (const s of secretValues) expect(text, `${obj.kind} ${obj.metadata.name} leaks a secret`).not.toContain(s);
  }
  for (const w of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet') as Workload[]) {
    const pod = w.spec.template.spec;
    for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
      for (const e of c.env ?? []) {
        if (SECRET_NAME.test(e.name)) expect(e.value, `${e.name} must come from a file`).toBeUndefined();
      }
    }
  }
}

describe('helm chart: deployment mode with defaults', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderValid(chartDir);
  });

  it('renders only a Deployment, its Service, ServiceAccount, NetworkPolicy and helm test Pod, all schema-valid', () => {
    expect(kinds(objects)).toEqual(['Deployment', 'NetworkPolicy', 'Pod', 'Service', 'ServiceAccount']);
  });

  it('keeps telemetry off and needs no secret', () => {
    const c = relayContainer(one<Workload>(objects, 'Deployment').spec.template.spec);
    expect(env(c).get('TELEMETRY_ENABLED')?.value).toBe('false');
    expect([...env(c).keys()].filter((n) => n.endsWith('_FILE'))).toEqual([]);
    expect(c.volumeMounts?.map((m) => m.name)).toEqual(['scrub-relay-data', 'scrub-relay-tmp']);
  });

  it('listens on all interfaces inside the pod, with the buffer on the /data emptyDir', () => {
    const pod = one<Workload>(objects, 'Deployment').spec.template.spec;
    const e = env(relayContainer(pod));
    expect(e.get('RELAY_HOST')?.value).toBe('0.0.0.0');
    expect(e.get('RELAY_PORT')?.value).toBe('4319');
    expect(e.get('RELAY_DB_PATH')?.value).toBe('/data/relay.db');
    expect(pod.volumes?.find((v) => v.name === 'scrub-relay-data')?.emptyDir).toBeDefined();
  });

  it('runs non-root with a read-only root filesystem, no capabilities and the runtime seccomp profile', () => {
    const pod = one<Workload>(objects, 'Deployment').spec.template.spec;
    expectHardened(pod, relayContainer(pod));
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(one(objects, 'ServiceAccount')['automountServiceAccountToken']).toBe(false);
  });

  it('probes /healthz for liveness and startup and /readyz for readiness', () => {
    const c = relayContainer(one<Workload>(objects, 'Deployment').spec.template.spec);
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(c.startupProbe?.httpGet?.path).toBe('/healthz');
    expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
  });

  it('gives the relay more grace than its shutdown timeout', () => {
    const pod = one<Workload>(objects, 'Deployment').spec.template.spec;
    const timeout = Number(env(relayContainer(pod)).get('RELAY_SHUTDOWN_TIMEOUT')?.value);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(timeout);
  });

  it('runs the image built from this version', () => {
    const c = relayContainer(one<Workload>(objects, 'Deployment').spec.template.spec);
    expect(c.image).toBe(`scrub-relay:${chartMeta.appVersion}`);
  });

  it('allows ingress only on 4319 from the namespace and egress only to DNS and TCP 443', () => {
    const np = one<K8sObject & { spec: Record<string, unknown> }>(objects, 'NetworkPolicy');
    expect(np.spec['policyTypes']).toEqual(['Ingress', 'Egress']);
    expect(np.spec['ingress']).toEqual([{ from: [{ podSelector: {} }], ports: [{ port: 'relay', protocol: 'TCP' }] }]);
    expect(np.spec['egress']).toEqual([
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { ports: [{ port: 443, protocol: 'TCP' }] },
    ]);
    const svc = one<K8sObject & { spec: { ports: { port: number; targetPort: string }[] } }>(objects, 'Service');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 4319, targetPort: 'relay', protocol: 'TCP' }]);
  });
});

describe('helm chart: deployment with persistence, ServiceMonitor, existingSecret, rules and TLS', () => {
  const options: RenderOptions = {
    values: {
      persistence: { enabled: true, size: '5Gi', storageClass: 'fast' },
      monitoring: { serviceMonitor: { enabled: true, labels: { release: 'prom' } } },
      secrets: { existingSecret: 'relay-keys', existingSecretKeys: { lakeraApiKey: 'lakera', ingestToken: 'ingest' } },
      rules: 'rules:\n  - id: internal-ticket\n    pattern: "TICKET-[0-9]{6}"\n',
      tls: { caConfigMap: 'corp-ca', clientCertSecret: 'relay-client' },
      config: { telemetryEnabled: true, diagnosticsEndpoint: 'https://diag.example.eu/v1', allowedHosts: ['diag.example.eu'], maxBufferBytes: 1_000_000_000 },
      networkPolicy: { metrics: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } } },
      podDisruptionBudget: { enabled: true },
    },
  };
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderValid(chartDir, options);
  });

  it('creates a claim and recreates the single pod instead of rolling two onto one volume', () => {
    expect(kinds(objects)).toEqual(['ConfigMap', 'Deployment', 'NetworkPolicy', 'PersistentVolumeClaim', 'Pod', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor']);
    const pvc = one<K8sObject & { spec: { resources: { requests: { storage: string } }; storageClassName: string } }>(objects, 'PersistentVolumeClaim');
    expect(pvc.spec.resources.requests.storage).toBe('5Gi');
    expect(pvc.spec.storageClassName).toBe('fast');
    const dep = one<Workload>(objects, 'Deployment');
    expect(dep.spec.strategy?.type).toBe('Recreate');
    expect(dep.spec.template.spec.volumes?.find((v) => v.name === 'scrub-relay-data')?.persistentVolumeClaim?.claimName).toBe(pvc.metadata.name);
  });

  it('mounts only the configured keys of the existing Secret and passes them as *_FILE', () => {
    const pod = one<Workload>(objects, 'Deployment').spec.template.spec;
    const e = env(relayContainer(pod));
    expect(e.get('LAKERA_API_KEY_FILE')?.value).toBe('/etc/scrub-relay/secrets/lakera');
    expect(e.get('RELAY_INGEST_TOKEN_FILE')?.value).toBe('/etc/scrub-relay/secrets/ingest');
    expect(e.has('RELAY_ADMIN_TOKEN_FILE')).toBe(false);
    const vol = pod.volumes?.find((v) => v.name === 'scrub-relay-secrets');
    expect(vol?.secret?.secretName).toBe('relay-keys');
    expect(vol?.secret?.items?.map((i) => i.key).sort()).toEqual(['ingest', 'lakera']);
    expectNoLiteralSecrets(objects, []);
  });

  it('renders the user rules into a ConfigMap passed as RELAY_RULES_FILE', () => {
    const cm = one<K8sObject & { data: Record<string, string> }>(objects, 'ConfigMap');
    expect(cm.data['rules.yaml']).toContain('TICKET-[0-9]{6}');
    const e = env(relayContainer(one<Workload>(objects, 'Deployment').spec.template.spec));
    expect(e.get('RELAY_RULES_FILE')?.value).toBe('/etc/scrub-relay/rules/rules.yaml');
    expect(e.get('RELAY_CA_FILE')?.value).toBe('/etc/scrub-relay/tls/ca/ca.crt');
    expect(e.get('RELAY_CLIENT_KEY_FILE')?.value).toBe('/etc/scrub-relay/tls/client/tls.key');
  });

  it('prints large numbers as integers, not in float notation', () => {
    const e = env(relayContainer(one<Workload>(objects, 'Deployment').spec.template.spec));
    expect(e.get('RELAY_MAX_BUFFER_BYTES')?.value).toBe('1000000000');
    expect(e.get('RELAY_ALLOWED_HOSTS')?.value).toBe('diag.example.eu');
    expect(e.get('TELEMETRY_ENABLED')?.value).toBe('true');
  });

  it('scrapes /metrics through the Service and lets the monitoring namespace in', () => {
    const sm = one<K8sObject & { spec: { endpoints: { port: string; path: string }[] } }>(objects, 'ServiceMonitor');
    expect(sm.metadata.labels?.['release']).toBe('prom');
    expect(sm.spec.endpoints).toMatchObject([{ port: 'http', path: '/metrics' }]);
    const np = one<K8sObject & { spec: { ingress: unknown[] } }>(objects, 'NetworkPolicy');
    expect(np.spec.ingress[1]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ port: 'relay', protocol: 'TCP' }],
    });
  });
});

describe('helm chart: secrets created by the chart', () => {
  it('keeps key values in the Secret only and hands the relay file paths', () => {
    const secrets = { lakeraApiKey: 'lk-test-0123456789abcdef', hashKey: 'hk-test-fedcba9876543210', sentryKeys: 'k0123456789=acme' };
    const objects = renderValid(chartDir, { values: { secrets } });
    const secret = one<K8sObject & { data: Record<string, string> }>(objects, 'Secret');
    expect(Buffer.from(secret.data['lakera-api-key'] ?? '', 'base64').toString()).toBe(secrets.lakeraApiKey);
    expect(Object.keys(secret.data).sort()).toEqual(['hash-key', 'lakera-api-key', 'sentry-keys']);
    const e = env(relayContainer(one<Workload>(objects, 'Deployment').spec.template.spec));
    expect(e.get('LAKERA_API_KEY_FILE')?.value).toBe('/etc/scrub-relay/secrets/lakera-api-key');
    expect(e.get('RELAY_HASH_KEY_FILE')?.value).toBe('/etc/scrub-relay/secrets/hash-key');
    expect(e.get('RELAY_SENTRY_KEYS_FILE')?.value).toBe('/etc/scrub-relay/secrets/sentry-keys');
    expectNoLiteralSecrets(objects, Object.values(secrets));
  });

  it('refuses a literal token in extraEnv', () => {
    const r = render(renderer, chartDir, { values: { extraEnv: [{ name: 'RELAY_ADMIN_TOKEN', value: 'plain' }] } });
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('extraEnv RELAY_ADMIN_TOKEN has a literal value');
  });
});

describe('helm chart: daemonset mode', () => {
  it('runs one relay per node behind a node-local Service', () => {
    const objects = renderValid(chartDir, { values: { mode: 'daemonset' } });
    expect(kinds(objects)).toEqual(['DaemonSet', 'NetworkPolicy', 'Pod', 'Service', 'ServiceAccount']);
    const svc = one<K8sObject & { spec: { internalTrafficPolicy: string } }>(objects, 'Service');
    expect(svc.spec.internalTrafficPolicy).toBe('Local');
    const pod = one<Workload>(objects, 'DaemonSet').spec.template.spec;
    const c = relayContainer(pod);
    expectHardened(pod, c);
    expect(env(c).get('RELAY_HOST')?.value).toBe('0.0.0.0');
    expect(pod.volumes?.find((v) => v.name === 'scrub-relay-data')?.emptyDir).toBeDefined();
  });

  it('refuses persistence, which a DaemonSet cannot give each node', () => {
    const r = render(renderer, chartDir, { values: { mode: 'daemonset', persistence: { enabled: true } } });
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('persistence.enabled is not supported in daemonset mode');
  });
});

describe('helm chart: sidecar recipe in an application chart', () => {
  const values = {
    'scrub-relay': {
      mode: 'sidecar',
      rules: 'rules: []\n',
      secrets: { ingestToken: 'it-test-0123456789' },
    },
  };

  function appPod(objects: K8sObject[]): PodSpec {
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'relay-test-app') as Workload | undefined;
    if (!dep) throw new Error('test-app Deployment not rendered');
    return dep.spec.template.spec;
  }

  it('adds a native sidecar (init container, restartPolicy Always) on Kubernetes 1.30', () => {
    const objects = renderValid(fixtureChartDir, { values, kubeVersion: '1.30.2' }, 'scrub-relay');
    const pod = appPod(objects);
    expect(pod.containers.map((c) => c.name)).toEqual(['app']);
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['scrub-relay']);
    const c = relayContainer(pod);
    expect(c.restartPolicy).toBe('Always');
    // bash's /dev/tcp to 127.0.0.1:4319, path /healthz (the arguments after the script).
    expect(c.startupProbe?.exec?.command.slice(4, 7)).toEqual(['127.0.0.1', '4319', '/healthz']);
  });

  it('adds a plain container before Kubernetes 1.29', () => {
    const objects = renderValid(fixtureChartDir, { values, kubeVersion: 'v1.28.9' }, 'scrub-relay');
    const pod = appPod(objects);
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers.map((c) => c.name)).toEqual(['app', 'scrub-relay']);
    expect(relayContainer(pod).restartPolicy).toBeUndefined();
  });

  it('listens on loopback only, probes by exec, and never gates the application\'s readiness', () => {
    const objects = renderValid(fixtureChartDir, { values, kubeVersion: '1.30.2' }, 'scrub-relay');
    const c = relayContainer(appPod(objects));
    expect(env(c).get('RELAY_HOST')?.value).toBe('127.0.0.1');
    expect(env(c).get('TELEMETRY_ENABLED')?.value).toBe('false');
    expect(c.livenessProbe?.exec?.command[0]).toBe('bash');
    expect(c.readinessProbe).toBeUndefined();
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it('renders no relay workload from the dependency, only the ConfigMap and Secret the sidecar mounts', () => {
    const objects = renderValid(fixtureChartDir, { values, kubeVersion: '1.30.2' }, 'scrub-relay');
    expect(kinds(objects)).toEqual(['ConfigMap', 'Deployment', 'Secret']);
    const pod = appPod(objects);
    const byName = new Map(pod.volumes?.map((v) => [v.name, v]));
    expect(byName.get('scrub-relay-rules')?.configMap?.name).toBe(one(objects, 'ConfigMap').metadata.name);
    expect(byName.get('scrub-relay-secrets')?.secret?.secretName).toBe(one(objects, 'Secret').metadata.name);
    expectNoLiteralSecrets(objects, ['it-test-0123456789']);
  });

  it('refuses to run as a sidecar while the dependency would also deploy a relay', () => {
    const r = render(renderer, fixtureChartDir, { values: { 'scrub-relay': { mode: 'deployment' } } });
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('set mode: sidecar');
  });
});

describe('helm chart: values schema and consistency checks', () => {
  it('accepts the defaults', () => {
    expect(schemaErrors(coalescedValues(renderer, chartDir))).toEqual([]);
  });

  it('rejects a misspelt key at the top level and inside a block', () => {
    expect(schemaErrors(coalescedValues(renderer, chartDir, { values: { replicaCout: 2 } })).join('\n')).toContain('replicaCout');
    expect(schemaErrors(coalescedValues(renderer, chartDir, { values: { config: { telemetryEnabeld: true } } })).join('\n')).toContain('telemetryEnabeld');
  });

  it('rejects an unknown mode and a non-https diagnostics endpoint', () => {
    expect(schemaErrors(coalescedValues(renderer, chartDir, { values: { mode: 'statefulset' } }))).not.toEqual([]);
    expect(schemaErrors(coalescedValues(renderer, chartDir, { values: { config: { diagnosticsEndpoint: 'http://plain.example' } } }))).not.toEqual([]);
  });

  it('refuses a grace period that does not outlast the shutdown timeout', () => {
    const r = render(renderer, chartDir, { values: { terminationGracePeriodSeconds: 10, config: { shutdownTimeout: 10 } } });
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('must exceed config.shutdownTimeout');
  });

  it('refuses Kubernetes versions below the chart\'s kubeVersion', () => {
    const r = render(renderer, chartDir, { kubeVersion: '1.24.0' });
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('incompatible with Kubernetes v1.24.0');
  });

  it('deletes a default when an override sets it to null, as helm does', () => {
    const values = coalescedValues(renderer, chartDir, { values: { resources: { limits: null } } });
    expect(values['resources']).toEqual({ requests: { cpu: '50m', memory: '96Mi' } });
  });
});

describe('helm chart: declarative consent from values', () => {
  const consent = { acme: { telemetry_enabled: true, ids_allowed: false }, globex: { telemetry_enabled: false } };
  let objects: K8sObject[];
  beforeAll(() => {
    objects = renderValid(chartDir, { values: { consent } });
  });

  it('renders the consent map into a ConfigMap that the relay parses as it is', () => {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-consent')) as K8sObject & { data: Record<string, string> };
    expect(cm).toBeDefined();
    const declared = parseConsentFile(cm.data['consent.yaml']!);
    expect(Object.fromEntries(declared)).toEqual({ acme: { telemetryEnabled: true, idsAllowed: false }, globex: { telemetryEnabled: false } });
  });

  it('mounts it as a directory (so the kubelet updates it in place) and points RELAY_CONSENT_FILE at it, without rolling the pods on a change', () => {
    const pod = one<Workload>(objects, 'Deployment').spec.template.spec;
    const c = relayContainer(pod);
    expect(env(c).get('RELAY_CONSENT_FILE')?.value).toBe('/etc/scrub-relay/consent/consent.yaml');
    const mount = (c.volumeMounts ?? []).find((m) => m.name === 'scrub-relay-consent') as { mountPath: string; subPath?: string; readOnly?: boolean } | undefined;
    expect(mount).toEqual({ name: 'scrub-relay-consent', mountPath: '/etc/scrub-relay/consent', readOnly: true });
    expect(pod.volumes?.find((v) => v.name === 'scrub-relay-consent')?.configMap?.name).toMatch(/-consent$/);
    const changed = renderValid(chartDir, { values: { consent: { acme: { telemetry_enabled: false } } } });
    const annotations = (w: K8sObject[]) => (one<Workload>(w, 'Deployment').spec.template as { metadata?: { annotations?: unknown } }).metadata?.annotations;
    expect(annotations(changed)).toEqual(annotations(objects));
  });

  it('uses an existing ConfigMap instead, and renders neither without consent values', () => {
    const existing = renderValid(chartDir, { values: { existingConsentConfigMap: 'gitops-consent' } });
    expect(existing.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-consent'))).toEqual([]);
    const pod = one<Workload>(existing, 'Deployment').spec.template.spec;
    expect(pod.volumes?.find((v) => v.name === 'scrub-relay-consent')?.configMap?.name).toBe('gitops-consent');
    const none = renderValid(chartDir);
    expect(env(relayContainer(one<Workload>(none, 'Deployment').spec.template.spec)).has('RELAY_CONSENT_FILE')).toBe(false);
  });

  it('refuses a consent entry the relay would refuse', () => {
    expect(schemaErrors(coalescedValues(renderer, chartDir, { values: { consent: { acme: { telemetry_enabled: 1 } } } }))).not.toEqual([]);
    expect(schemaErrors(coalescedValues(renderer, chartDir, { values: { consent: { acme: { telemetry: true } } } }))).not.toEqual([]);
  });
});
