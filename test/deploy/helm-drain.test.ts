import { beforeAll, describe, expect, it } from 'vitest';
import { env, one, relayContainer, renderValid, type Container, type PodSpec, type Workload } from './chart-objects.js';
import { buildRenderer, chartDir, coalescedValues, fixtureChartDir, render, renderNotes, schemaErrors, type RenderOptions } from './render.js';

let renderer = '';

beforeAll(() => {
  renderer = buildRenderer();
}, 180_000);

describe('helm chart: drain on termination', () => {
  function relayOf(options: RenderOptions, kind = 'Deployment'): { pod: PodSpec; c: Container; workload: Workload } {
    const workload = one<Workload>(renderValid(renderer, chartDir, options), kind);
    const pod = workload.spec.template.spec;
    return { pod, c: relayContainer(pod), workload };
  }

  it('sleeps in preStop with the built-in sleep action, and its grace outlasts the sleep plus the drain', () => {
    const { pod, c } = relayOf({ kubeVersion: '1.30.0' });
    expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    const timeout = Number(env(c).get('RELAY_SHUTDOWN_TIMEOUT')?.value);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(5 + timeout);
  });

  it('sleeps with the image\'s /bin/sleep, no shell, before Kubernetes 1.30', () => {
    const { c } = relayOf({ kubeVersion: '1.29.4' });
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['/bin/sleep', '5'] } } });
  });

  it('takes a lifecycle from the values instead of its own, and none with preStopSleepSeconds 0', () => {
    const lifecycle = { preStop: { exec: { command: ['/bin/sleep', '12'] } } };
    expect(relayOf({ values: { lifecycle } }).c.lifecycle).toEqual(lifecycle);
    expect(relayOf({ values: { preStopSleepSeconds: 0 } }).c.lifecycle).toBeUndefined();
  });

  it('accepts lifecycle overrides in the schema and rejects a misspelt hook', () => {
    expect(schemaErrors(coalescedValues(renderer, chartDir, { values: { lifecycle: { preStop: { sleep: { seconds: 3 } } } } }))).toEqual([]);
    expect(schemaErrors(coalescedValues(renderer, chartDir, { values: { lifecycle: { preStopp: {} } } })).join('\n')).toContain('preStopp');
    expect(schemaErrors(coalescedValues(renderer, chartDir, { values: { preStopSleepSeconds: -1 } }))).not.toEqual([]);
  });

  it('refuses a grace period that the preStop sleep and the drain together would outlast', () => {
    const r = render(renderer, chartDir, { values: { terminationGracePeriodSeconds: 15, preStopSleepSeconds: 5, config: { shutdownTimeout: 10 } } });
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('terminationGracePeriodSeconds (15) must exceed config.shutdownTimeout plus preStopSleepSeconds (10 + 5 s)');
    expect(render(renderer, chartDir, { values: { terminationGracePeriodSeconds: 16, preStopSleepSeconds: 5, config: { shutdownTimeout: 10 } } }).ok).toBe(true);
  });

  it('rolls a DaemonSet by starting the new relay on the node before the old one stops', () => {
    const { workload } = relayOf({ values: { mode: 'daemonset' } }, 'DaemonSet');
    expect(workload.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const custom = { type: 'OnDelete' };
    expect(relayOf({ values: { mode: 'daemonset', updateStrategy: custom } }, 'DaemonSet').workload.spec.updateStrategy).toEqual(custom);
  });

  it('gives the sidecar the same preStop, as a native sidecar and as a plain container', () => {
    const values = { 'scrub-relay': { mode: 'sidecar' } };
    const podOf = (kubeVersion: string) => {
      const objects = renderValid(renderer, fixtureChartDir, { values, kubeVersion }, 'scrub-relay');
      const dep = objects.find((o) => o.kind === 'Deployment') as Workload;
      return relayContainer(dep.spec.template.spec);
    };
    expect(podOf('1.30.2').lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(podOf('1.28.9').lifecycle).toEqual({ preStop: { exec: { command: ['/bin/sleep', '5'] } } });
  });

  it('says in NOTES.txt what an emptyDir buffer loses and when to choose a PVC', () => {
    const notes = renderNotes(renderer, chartDir);
    expect(notes).toContain('Buffer: an emptyDir');
    expect(notes).toContain('is LOST\nwith the pod');
    expect(notes).toContain('set persistence.enabled=true (a PVC; one replica)');
    expect(renderNotes(renderer, chartDir, { values: { mode: 'daemonset' } })).toContain('run mode=deployment with persistence.enabled=true');
    expect(renderNotes(renderer, chartDir, { values: { persistence: { enabled: true } } })).toContain('Buffer: a PersistentVolumeClaim');
  });
});
