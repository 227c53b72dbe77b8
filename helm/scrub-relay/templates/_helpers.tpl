{{/*
Every helper takes a "root-like" context: .Values, .Release, .Chart (Name), .Capabilities.
The chart's own templates pass the root context ($). The sidecar templates build one from
the including chart's root and this chart's values (see _sidecar.tpl), and set .sidecar.
*/}}

{{- define "scrub-relay.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "scrub-relay.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "scrub-relay.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scrub-relay.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The helm test Pod's labels: not the relay's selector labels, so no Service or policy picks it as a relay. */}}
{{- define "scrub-relay.testSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-test" (include "scrub-relay.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "scrub-relay.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name (.Chart.Version | toString) | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "scrub-relay.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/component: relay
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "scrub-relay.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "scrub-relay.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "scrub-relay.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{/* The address the relay listens on: loopback as a sidecar, all interfaces otherwise. */}}
{{- define "scrub-relay.host" -}}
{{- if .Values.config.host }}
{{- .Values.config.host }}
{{- else if .sidecar }}
{{- "127.0.0.1" }}
{{- else }}
{{- "0.0.0.0" }}
{{- end }}
{{- end }}

{{/* "true" when the relay runs as a native sidecar (init container, restartPolicy Always). */}}
{{/* The preStop sleep action (beta and on by default from Kubernetes 1.30), else exec /bin/sleep. */}}
{{- define "scrub-relay.sleepAction" -}}
{{- if semverCompare ">=1.30-0" .Capabilities.KubeVersion.Version }}true{{ end }}
{{- end }}

{{- define "scrub-relay.nativeSidecar" -}}
{{- if eq (toString .Values.sidecar.native) "always" }}true
{{- else if eq (toString .Values.sidecar.native) "never" }}
{{- else if semverCompare ">=1.29-0" .Capabilities.KubeVersion.Version }}true
{{- end }}
{{- end }}

{{/*
Secret-backed settings: setting name, environment variable, file name in a chart-made Secret.
*/}}
{{- define "scrub-relay.secretSettings" -}}
diagnosticsApiKey: [DIAGNOSTICS_API_KEY_FILE, diagnostics-api-key]
lakeraApiKey: [LAKERA_API_KEY_FILE, lakera-api-key]
adminToken: [RELAY_ADMIN_TOKEN_FILE, admin-token]
auditorToken: [RELAY_AUDITOR_TOKEN_FILE, auditor-token]
ingestToken: [RELAY_INGEST_TOKEN_FILE, ingest-token]
hashKey: [RELAY_HASH_KEY_FILE, hash-key]
sentryKeys: [RELAY_SENTRY_KEYS_FILE, sentry-keys]
{{- end }}

{{/* The keys the secret volume mounts, as YAML: {setting: key}. Empty when none. */}}
{{- define "scrub-relay.secretKeys" -}}
{{- $settings := include "scrub-relay.secretSettings" . | fromYaml }}
{{- $keys := dict }}
{{- range $setting, $spec := $settings }}
{{- if $.Values.secrets.existingSecret }}
{{- with index $.Values.secrets.existingSecretKeys $setting }}
{{- $_ := set $keys $setting . }}
{{- end }}
{{- else if index $.Values.secrets $setting }}
{{- $_ := set $keys $setting (index $spec 1) }}
{{- end }}
{{- end }}
{{- if $keys }}
{{- toYaml $keys }}
{{- end }}
{{- end }}

{{- define "scrub-relay.secretName" -}}
{{- default (include "scrub-relay.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "scrub-relay.rulesConfigMapName" -}}
{{- default (printf "%s-rules" (include "scrub-relay.fullname" .)) .Values.existingRulesConfigMap }}
{{- end }}

{{- define "scrub-relay.hasRules" -}}
{{- if or .Values.existingRulesConfigMap .Values.rules }}true{{ end }}
{{- end }}

{{- define "scrub-relay.consentConfigMapName" -}}
{{- default (printf "%s-consent" (include "scrub-relay.fullname" .)) .Values.existingConsentConfigMap }}
{{- end }}

{{- define "scrub-relay.hasConsent" -}}
{{- if or .Values.existingConsentConfigMap .Values.consent }}true{{ end }}
{{- end }}

{{/* Fails on settings that cannot work together. */}}
{{- define "scrub-relay.validate" -}}
{{- $preStop := ternary 0 (int64 .Values.preStopSleepSeconds) (not (empty .Values.lifecycle)) }}
{{- if le (int64 .Values.terminationGracePeriodSeconds) (add $preStop (int64 .Values.config.shutdownTimeout)) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed config.shutdownTimeout plus preStopSleepSeconds (%d + %d s): the kubelet kills the relay at the end of the grace period, in the middle of its drain" (int64 .Values.terminationGracePeriodSeconds) (int64 .Values.config.shutdownTimeout) $preStop) }}
{{- end }}
{{- if and .Values.persistence.enabled (eq .Values.mode "daemonset") }}
{{- fail "persistence.enabled is not supported in daemonset mode: one claim cannot serve one pod per node; the buffer is an emptyDir (see the README, section Deploying)" }}
{{- end }}
{{- if and .Values.persistence.enabled (gt (int64 .Values.replicaCount) 1) }}
{{- fail "persistence.enabled requires replicaCount 1: SQLite has a single writer and a ReadWriteOnce claim attaches to one pod" }}
{{- end }}
{{- if and .Values.monitoring.serviceMonitor.enabled (eq .Values.mode "daemonset") (not .Values.service.enabled) }}
{{- fail "monitoring.serviceMonitor.enabled needs service.enabled" }}
{{- end }}
{{- range .Values.extraEnv }}
{{- if and (hasKey . "value") (regexMatch "(?i)(_KEY|_TOKEN|SECRET|PASSWORD)$" .name) }}
{{- fail (printf "extraEnv %s has a literal value: pass secrets with the secrets block or valueFrom" .name) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Environment of the relay container. */}}
{{- define "scrub-relay.env" -}}
{{- $c := .Values.config -}}
- name: RELAY_HOST
  value: {{ include "scrub-relay.host" . | quote }}
- name: RELAY_PORT
  value: {{ int64 $c.port | toString | quote }}
- name: RELAY_DB_PATH
  value: /data/relay.db
- name: TELEMETRY_ENABLED
  value: {{ $c.telemetryEnabled | toString | quote }}
- name: RELAY_SHUTDOWN_TIMEOUT
  value: {{ int64 $c.shutdownTimeout | toString | quote }}
{{- with $c.logLevel }}
- name: RELAY_LOG_LEVEL
  value: {{ . | quote }}
{{- end }}
{{- with $c.diagnosticsEndpoint }}
- name: DIAGNOSTICS_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with $c.lakeraProjectId }}
- name: LAKERA_PROJECT_ID
  value: {{ . | quote }}
{{- end }}
{{- if not (kindIs "invalid" $c.lakeraTelemetryEnabled) }}
- name: LAKERA_TELEMETRY_ENABLED
  value: {{ $c.lakeraTelemetryEnabled | toString | quote }}
{{- end }}
{{- with $c.lakeraTelemetryEndpoint }}
- name: LAKERA_TELEMETRY_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with $c.allowedHosts }}
- name: RELAY_ALLOWED_HOSTS
  value: {{ join "," . | quote }}
{{- end }}
{{- with $c.defaultCompany }}
- name: RELAY_DEFAULT_COMPANY
  value: {{ . | quote }}
{{- end }}
{{- if not (kindIs "invalid" $c.maxBodyBytes) }}
- name: RELAY_MAX_BODY_BYTES
  value: {{ int64 $c.maxBodyBytes | toString | quote }}
{{- end }}
{{- if not (kindIs "invalid" $c.maxBufferBytes) }}
- name: RELAY_MAX_BUFFER_BYTES
  value: {{ int64 $c.maxBufferBytes | toString | quote }}
{{- end }}
{{- if not (kindIs "invalid" $c.maxEventAge) }}
- name: RELAY_MAX_EVENT_AGE
  value: {{ int64 $c.maxEventAge | toString | quote }}
{{- end }}
{{- with $c.whenFull }}
- name: RELAY_WHEN_FULL
  value: {{ . | quote }}
{{- end }}
{{- with $c.durability }}
- name: RELAY_DURABILITY
  value: {{ . | quote }}
{{- end }}
{{- with $c.httpsProxy }}
- name: HTTPS_PROXY
  value: {{ . | quote }}
{{- end }}
{{- with $c.noProxy }}
- name: NO_PROXY
  value: {{ . | quote }}
{{- end }}
{{- if include "scrub-relay.hasRules" . }}
- name: RELAY_RULES_FILE
  value: /etc/scrub-relay/rules/rules.yaml
{{- end }}
{{- if include "scrub-relay.hasConsent" . }}
- name: RELAY_CONSENT_FILE
  value: /etc/scrub-relay/consent/consent.yaml
{{- end }}
{{- $settings := include "scrub-relay.secretSettings" . | fromYaml }}
{{- range $setting, $key := (include "scrub-relay.secretKeys" . | fromYaml) }}
- name: {{ index (index $settings $setting) 0 }}
  value: {{ printf "/etc/scrub-relay/secrets/%s" $key | quote }}
{{- end }}
{{- if .Values.tls.caConfigMap }}
- name: RELAY_CA_FILE
  value: {{ printf "/etc/scrub-relay/tls/ca/%s" .Values.tls.caKey | quote }}
{{- end }}
{{- if .Values.tls.clientCertSecret }}
- name: RELAY_CLIENT_CERT_FILE
  value: /etc/scrub-relay/tls/client/tls.crt
- name: RELAY_CLIENT_KEY_FILE
  value: /etc/scrub-relay/tls/client/tls.key
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
An HTTP probe. The kubelet sends it (httpGet) wherever it can reach the port. A sidecar listening on
loopback cannot be reached from the kubelet: the image's bash (Debian) then sends the request over
/dev/tcp, a shell builtin, instead of starting a node process for every probe.
*/}}
{{- define "scrub-relay.probe" -}}
{{- $ctx := index . 0 }}
{{- $path := index . 1 }}
{{- $timing := index . 2 }}
{{- $host := include "scrub-relay.host" $ctx }}
{{- if and $ctx.sidecar (has $host (list "127.0.0.1" "localhost" "::1")) -}}
exec:
  command:
    - bash
    - -c
    - {{ `exec 3<>"/dev/tcp/$1/$2" && printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$3" "$1" >&3 && IFS= read -r -t "$4" status <&3 && case $status in "HTTP/1.1 200 "*) exit 0 ;; esac; exit 1` | quote }}
    - probe
    - {{ ternary "127.0.0.1" $host (eq $host "localhost") | quote }}
    - {{ int64 $ctx.Values.config.port | toString | quote }}
    - {{ $path }}
    - {{ int64 $timing.timeoutSeconds | toString | quote }}
{{- else -}}
httpGet:
  path: {{ $path }}
  port: relay
{{- end }}
periodSeconds: {{ int64 $timing.periodSeconds }}
timeoutSeconds: {{ int64 $timing.timeoutSeconds }}
failureThreshold: {{ int64 $timing.failureThreshold }}
{{- end }}

{{/*
The relay container, as one list item. Shared by the Deployment, the DaemonSet and the
sidecar templates; with .native it becomes a native sidecar (restartPolicy Always).
*/}}
{{- define "scrub-relay.container" -}}
- name: scrub-relay
  image: {{ include "scrub-relay.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- if .native }}
  restartPolicy: Always
  {{- end }}
  args:
    - serve
  ports:
    - name: relay
      containerPort: {{ int64 .Values.config.port }}
      protocol: TCP
  env:
    {{- include "scrub-relay.env" . | nindent 4 }}
  startupProbe:
    {{- include "scrub-relay.probe" (list . "/healthz" .Values.probes.startup) | nindent 4 }}
  livenessProbe:
    {{- include "scrub-relay.probe" (list . "/healthz" .Values.probes.liveness) | nindent 4 }}
  {{- if not .sidecar }}
  {{- /* A sidecar's readiness would take the application's pod out of its Service whenever the telemetry buffer is full. */}}
  readinessProbe:
    {{- include "scrub-relay.probe" (list . "/readyz" .Values.probes.readiness) | nindent 4 }}
  {{- end }}
  {{- if not (empty .Values.lifecycle) }}
  lifecycle:
    {{- toYaml .Values.lifecycle | nindent 4 }}
  {{- else if gt (int64 .Values.preStopSleepSeconds) 0 }}
  lifecycle:
    preStop:
      {{- if or (eq (toString .sleepAction) "true") (and (not .sidecar) (eq (include "scrub-relay.sleepAction" .) "true")) }}
      sleep:
        seconds: {{ int64 .Values.preStopSleepSeconds }}
      {{- else }}
      exec:
        command: ["/bin/sleep", {{ int64 .Values.preStopSleepSeconds | toString | quote }}]
      {{- end }}
  {{- end }}
  resources:
    {{- toYaml .Values.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  volumeMounts:
    - name: scrub-relay-data
      mountPath: /data
    - name: scrub-relay-tmp
      mountPath: /tmp
    {{- if include "scrub-relay.hasRules" . }}
    - name: scrub-relay-rules
      mountPath: /etc/scrub-relay/rules
      readOnly: true
    {{- end }}
    {{- if include "scrub-relay.hasConsent" . }}
    {{- /* A directory mount, not subPath: the kubelet then updates the file in place and the relay reloads it. */}}
    - name: scrub-relay-consent
      mountPath: /etc/scrub-relay/consent
      readOnly: true
    {{- end }}
    {{- if include "scrub-relay.secretKeys" . }}
    - name: scrub-relay-secrets
      mountPath: /etc/scrub-relay/secrets
      readOnly: true
    {{- end }}
    {{- if .Values.tls.caConfigMap }}
    - name: scrub-relay-tls-ca
      mountPath: /etc/scrub-relay/tls/ca
      readOnly: true
    {{- end }}
    {{- if .Values.tls.clientCertSecret }}
    - name: scrub-relay-tls-client
      mountPath: /etc/scrub-relay/tls/client
      readOnly: true
    {{- end }}
{{- end }}

{{/* The relay's volumes, as list items. */}}
{{- define "scrub-relay.volumes" -}}
- name: scrub-relay-data
  {{- if and .Values.persistence.enabled (eq .Values.mode "deployment") }}
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-data" (include "scrub-relay.fullname" .)) .Values.persistence.existingClaim }}
  {{- else }}
  emptyDir:
    sizeLimit: {{ .Values.persistence.emptyDirSizeLimit }}
  {{- end }}
- name: scrub-relay-tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- if include "scrub-relay.hasRules" . }}
- name: scrub-relay-rules
  configMap:
    name: {{ include "scrub-relay.rulesConfigMapName" . }}
    items:
      - key: rules.yaml
        path: rules.yaml
{{- end }}
{{- if include "scrub-relay.hasConsent" . }}
- name: scrub-relay-consent
  configMap:
    name: {{ include "scrub-relay.consentConfigMapName" . }}
    items:
      - key: consent.yaml
        path: consent.yaml
{{- end }}
{{- with include "scrub-relay.secretKeys" . | fromYaml }}
- name: scrub-relay-secrets
  secret:
    secretName: {{ include "scrub-relay.secretName" $ }}
    defaultMode: 288 # 0440: group-readable, the pod's fsGroup owns the files
    items:
      {{- range $setting, $key := . }}
      - key: {{ $key }}
        path: {{ $key }}
      {{- end }}
{{- end }}
{{- if .Values.tls.caConfigMap }}
- name: scrub-relay-tls-ca
  configMap:
    name: {{ .Values.tls.caConfigMap }}
    items:
      - key: {{ .Values.tls.caKey }}
        path: {{ .Values.tls.caKey }}
{{- end }}
{{- if .Values.tls.clientCertSecret }}
- name: scrub-relay-tls-client
  secret:
    secretName: {{ .Values.tls.clientCertSecret }}
    defaultMode: 288 # 0440
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
{{- end }}
{{- end }}

{{/*
The label matchers that pick this release's relays out of everything Prometheus scrapes, for the
PrometheusRule: the ServiceMonitor's job (the Service's name), or the sidecar container's name.
*/}}
{{- define "scrub-relay.metricsSelector" -}}
{{- if .Values.monitoring.prometheusRule.selector }}
{{- .Values.monitoring.prometheusRule.selector }}
{{- else if eq .Values.mode "sidecar" }}
{{- printf "container=%q" "scrub-relay" }}
{{- else }}
{{- printf "job=%q" (include "scrub-relay.fullname" .) }}
{{- end }}
{{- end }}

{{/* Pod annotations that roll the pods when the rules or the chart-made Secret change. */}}
{{- define "scrub-relay.checksums" -}}
checksum/rules: {{ toJson .Values.rules | sha256sum }}
checksum/secrets: {{ toJson (omit .Values.secrets "existingSecretKeys") | sha256sum }}
{{- end }}

{{/* The pod template spec of the Deployment and the DaemonSet. */}}
{{- define "scrub-relay.podTemplate" -}}
metadata:
  labels:
    {{- include "scrub-relay.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    {{- include "scrub-relay.checksums" . | nindent 4 }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "scrub-relay.serviceAccountName" . }}
  automountServiceAccountToken: false
  enableServiceLinks: false
  terminationGracePeriodSeconds: {{ int64 .Values.terminationGracePeriodSeconds }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    {{- include "scrub-relay.container" . | nindent 4 }}
  volumes:
    {{- include "scrub-relay.volumes" . | nindent 4 }}
{{- end }}
