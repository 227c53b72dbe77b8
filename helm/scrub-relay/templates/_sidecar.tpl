{{/*
The sidecar recipe: templates an application's chart includes to run the relay inside its
own pods. Add this chart as a dependency (see the README, section Deploying), set `scrub-relay.mode:
sidecar` in your values, and pass your root context and this chart's values:

  {{- $relay := dict "root" $ "values" (index .Values "scrub-relay") }}
  metadata:
    annotations:
      {{- include "scrub-relay.sidecar.annotations" $relay | nindent 6 }}
  spec:
    {{- with include "scrub-relay.sidecar.initContainers" $relay }}
    initContainers:
      {{- . | nindent 6 }}
    {{- end }}
    containers:
      - name: app
        ...
      {{- include "scrub-relay.sidecar.containers" $relay | nindent 6 }}
    volumes:
      {{- include "scrub-relay.sidecar.volumes" $relay | nindent 6 }}

With an alias for the dependency, add "name" (the alias) to the dict. The relay listens on
127.0.0.1 only: the application posts to http://127.0.0.1:4319.

On Kubernetes >= 1.29 the relay is a native sidecar (an init container with restartPolicy
Always): it starts before the application, is ready before it gets traffic, and stops after
it. Before 1.29 it is a plain container next to the application's.
*/}}

{{/* The context the shared helpers expect, as JSON (templates can only return text). */}}
{{- define "scrub-relay.sidecar.context" -}}
{{- $values := required "scrub-relay.sidecar.*: pass (dict \"root\" $ \"values\" (index .Values \"scrub-relay\")); is scrub-relay a dependency of your chart?" .values }}
{{- if ne (toString $values.mode) "sidecar" }}
{{- fail (printf "scrub-relay.sidecar.*: set mode: sidecar in the scrub-relay values of your chart (got %q), or the dependency also deploys its own relay" (toString $values.mode)) }}
{{- end }}
{{- $name := default "scrub-relay" .name }}
{{- $ctx := dict "Values" $values "Release" .root.Release "Chart" (dict "Name" $name) "Capabilities" .root.Capabilities "sidecar" true }}
{{- $_ := set $ctx "native" (eq (include "scrub-relay.nativeSidecar" $ctx) "true") }}
{{- $_ := set $ctx "sleepAction" (eq (include "scrub-relay.sleepAction" $ctx) "true") }}
{{- include "scrub-relay.validate" $ctx }}
{{- toJson $ctx }}
{{- end }}

{{/* The relay as a native sidecar, or nothing before Kubernetes 1.29. */}}
{{- define "scrub-relay.sidecar.initContainers" -}}
{{- $ctx := include "scrub-relay.sidecar.context" . | fromJson }}
{{- if $ctx.native }}
{{- include "scrub-relay.container" $ctx }}
{{- end }}
{{- end }}

{{/* The relay as a plain container before Kubernetes 1.29, or nothing. */}}
{{- define "scrub-relay.sidecar.containers" -}}
{{- $ctx := include "scrub-relay.sidecar.context" . | fromJson }}
{{- if not $ctx.native }}
{{- include "scrub-relay.container" $ctx }}
{{- end }}
{{- end }}

{{/* The relay container wherever it goes (for charts that place it themselves). */}}
{{- define "scrub-relay.sidecar" -}}
{{- include "scrub-relay.container" (include "scrub-relay.sidecar.context" . | fromJson) }}
{{- end }}

{{/*
The pod annotations that roll the application's pods when the relay's rules or its chart-made
Secret change (the relay reads both only at start), as in the chart's own Deployment and DaemonSet.
*/}}
{{- define "scrub-relay.sidecar.annotations" -}}
{{- include "scrub-relay.checksums" (include "scrub-relay.sidecar.context" . | fromJson) }}
{{- end }}

{{/* The volumes the relay container mounts. */}}
{{- define "scrub-relay.sidecar.volumes" -}}
{{- include "scrub-relay.volumes" (include "scrub-relay.sidecar.context" . | fromJson) }}
{{- end }}
