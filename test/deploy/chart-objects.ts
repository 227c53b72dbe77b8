// The objects the chart tests read: their shapes, schema validation of a render, and finders.
import { expect } from 'vitest';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { coalescedValues, render, schemaErrors, type K8sObject, type RenderOptions } from './render.js';

export interface EnvVar { name: string; value?: string; valueFrom?: unknown }
export interface Probe { httpGet?: { path: string; port: string | number }; exec?: { command: string[] } }
export interface Lifecycle { preStop?: { sleep?: { seconds: number }; exec?: { command: string[] } } }
export interface Container {
  name: string;
  image: string;
  restartPolicy?: string;
  env?: EnvVar[];
  ports?: { containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: Lifecycle;
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface Volume { name: string; emptyDir?: unknown; persistentVolumeClaim?: { claimName: string }; secret?: { secretName: string; items?: { key: string }[] }; configMap?: { name: string } }
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: string;
}
export interface Workload extends K8sObject {
  spec: { template: { spec: PodSpec }; strategy?: { type: string }; updateStrategy?: { type: string; rollingUpdate?: Record<string, unknown> } };
}

// Every kind the charts may render, with its offline schema validator.
const validators: Record<string, (o: K8sObject) => void> = {
  'apps/v1/Deployment': (o) => new Deployment(o).validate(),
  'apps/v1/DaemonSet': (o) => new DaemonSet(o).validate(),
  'v1/Service': (o) => new Service(o).validate(),
  'v1/ServiceAccount': (o) => new ServiceAccount(o).validate(),
  'v1/ConfigMap': (o) => new ConfigMap(o).validate(),
  'v1/Pod': (o) => new Pod(o).validate(),
  'v1/Secret': (o) => new Secret(o).validate(),
  'v1/PersistentVolumeClaim': (o) => new PersistentVolumeClaim(o).validate(),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o).validate(),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o).validate(),
  'monitoring.coreos.com/v1/PrometheusRule': (o) => new PrometheusRule(o as unknown as ConstructorParameters<typeof PrometheusRule>[0]).validate(),
  'monitoring.coreos.com/v1/ServiceMonitor': (o) => new ServiceMonitor(o as unknown as ConstructorParameters<typeof ServiceMonitor>[0]).validate(),
};

/** Renders, checks the values against the schema like helm, and validates every object. */
export function renderValid(renderer: string, dir: string, options: RenderOptions = {}, subchartKey?: string): K8sObject[] {
  const values = coalescedValues(renderer, dir, options);
  const chartValues = subchartKey ? values[subchartKey] : values;
  expect(schemaErrors(chartValues)).toEqual([]);
  const result = render(renderer, dir, options);
  expect(result.stderr).toBe('');
  expect(result.ok).toBe(true);
  for (const obj of result.objects) {
    const key = `${obj.apiVersion}/${obj.kind}`;
    const validate = validators[key];
    if (!validate) throw new Error(`no validator for ${key}: add one before rendering new kinds`);
    expect(() => validate(obj), `${key} ${obj.metadata.name}`).not.toThrow();
  }
  return result.objects;
}

/** The kinds of the rendered objects, sorted. */
export function kinds(objects: K8sObject[]): string[] {
  return objects.map((o) => o.kind).sort();
}

/** The one object of `kind`; fails the test when there is not exactly one. */
export function one<T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string): T {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as T;
}

/** The relay's container in a pod, wherever it sits (containers or init containers). */
export function relayContainer(pod: PodSpec): Container {
  const c = [...pod.containers, ...(pod.initContainers ?? [])].find((x) => x.name === 'scrub-relay');
  if (!c) throw new Error('no scrub-relay container');
  return c;
}

/** A container's environment by name. */
export function env(c: Container): Map<string, EnvVar> {
  return new Map((c.env ?? []).map((e) => [e.name, e]));
}
