// Command helm-render renders a Helm 3 chart the way `helm template` does, for
// tests on machines where the helm binary cannot be installed. It reuses the
// libraries Helm itself is built on (text/template, sprig, yaml.v2 through
// JSON like sigs.k8s.io/yaml) and copies Helm's semantics: value coalescing
// (null deletes a default, subchart scoping, globals), dependency conditions
// and aliases, partials, include/tpl/required/toYaml/fromYaml/toJson/lookup,
// .Release/.Chart/.Capabilities/.Template/.Files, missing keys rendered empty,
// manifests split, checked as YAML and sorted in Helm's install order.
//
// Not supported (refused or absent): hooks are printed as plain manifests,
// dependency tags and import-values, toToml, --set, schema validation (the
// tests validate the coalesced values printed by --show-values with ajv).
//
// Usage:
//
//	helm-render [--name N] [--namespace NS] [-f values.yaml]... [--kube-version v1.30.0]
//	            [--api-versions group/version]... [--show-values] CHART_DIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver"
)

func warnf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "warning: "+format+"\n", args...)
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// defaultAPIVersions lists the built-in group/versions a current cluster serves
// (Helm's DefaultVersionSet comes from client-go's scheme in the same way).
var defaultAPIVersions = []string{
	"v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "apiregistration.k8s.io/v1",
	"apps/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2",
	"batch/v1", "certificates.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
	"events.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1", "networking.k8s.io/v1", "node.k8s.io/v1",
	"policy/v1", "rbac.authorization.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1",
}

// installOrder is releaseutil.InstallOrder.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList",
	"RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController",
	"ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
	"IngressClass", "Ingress", "APIService",
}

// sep is releaseutil's document separator.
var sep = regexp.MustCompile("(?:^|\\s*\n)---\\s*")

var kubeVersionRe = regexp.MustCompile(`^v?(\d+)\.(\d+)(\.\d+)?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

type manifest struct {
	name    string
	content string
	kind    string
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("helm-render", flag.ContinueOnError)
	name := fs.String("name", "release-name", "release name")
	namespace := fs.String("namespace", "default", "release namespace")
	kubeVersion := fs.String("kube-version", "v1.32.0", "Kubernetes version for .Capabilities.KubeVersion")
	showValues := fs.Bool("show-values", false, "print the coalesced values as JSON instead of manifests")
	showNotes := fs.Bool("show-notes", false, "print the rendered NOTES.txt (what helm install shows) instead of manifests")
	var valueFiles, apiVersions multiFlag
	fs.Var(&valueFiles, "f", "values file (repeatable, later files win)")
	fs.Var(&valueFiles, "values", "values file (repeatable, later files win)")
	fs.Var(&apiVersions, "api-versions", "extra API version for .Capabilities.APIVersions (repeatable)")
	if err := fs.Parse(reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("expected exactly one chart directory, got %d arguments", fs.NArg())
	}

	m := kubeVersionRe.FindStringSubmatch(*kubeVersion)
	if m == nil {
		return fmt.Errorf("invalid kube version %q", *kubeVersion)
	}
	kv := *kubeVersion
	if !strings.HasPrefix(kv, "v") {
		kv = "v" + kv
	}
	if m[3] == "" {
		kv = "v" + m[1] + "." + m[2] + ".0" + m[4] + m[5]
	}

	chart, err := loadDir(fs.Arg(0))
	if err != nil {
		return err
	}
	if chart.Metadata.APIVersion != "v2" && chart.Metadata.APIVersion != "v1" {
		return fmt.Errorf("apiVersion %q is not valid", chart.Metadata.APIVersion)
	}
	if chart.Metadata.Type == "library" {
		return fmt.Errorf("library charts are not installable")
	}

	// Install refuses a chart whose kubeVersion range excludes the cluster's version.
	if kc := chart.Metadata.KubeVersion; kc != "" {
		c, err := semver.NewConstraint(kc)
		if err != nil {
			return fmt.Errorf("invalid kubeVersion %q in Chart.yaml: %w", kc, err)
		}
		v, err := semver.NewVersion(kv)
		if err != nil {
			return err
		}
		if !c.Check(v) {
			return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", kc, kv)
		}
	}

	userVals := map[string]interface{}{}
	for _, vf := range valueFiles {
		data, err := os.ReadFile(vf)
		if err != nil {
			return err
		}
		v, err := readValues(data)
		if err != nil {
			return fmt.Errorf("failed to parse %s: %w", vf, err)
		}
		userVals = mergeMaps(userVals, v)
	}
	if err := processDependencies(chart, userVals); err != nil {
		return err
	}
	vals, err := coalesceValues(chart, userVals)
	if err != nil {
		return err
	}
	if *showValues {
		out, err := json.MarshalIndent(vals, "", "  ")
		if err != nil {
			return err
		}
		fmt.Println(string(out))
		return nil
	}

	caps := &Capabilities{
		KubeVersion: KubeVersion{Version: kv, Major: m[1], Minor: m[2]},
		APIVersions: append(append(VersionSet{}, defaultAPIVersions...), apiVersions...),
		HelmVersion: HelmVersion{Version: "v3.17.0", GoVersion: "helm-render"},
	}
	top := map[string]interface{}{
		"Values": vals,
		"Release": map[string]interface{}{
			"Name":      *name,
			"Namespace": *namespace,
			"IsUpgrade": false,
			"IsInstall": true,
			"Revision":  1,
			"Service":   "Helm",
		},
		"Capabilities": caps,
	}
	rendered, err := render(allTemplates(chart, top))
	if err != nil {
		return err
	}

	if *showNotes {
		for f, content := range rendered {
			if strings.HasSuffix(f, "/templates/NOTES.txt") && strings.Count(f, "/charts/") == 0 {
				_, err = os.Stdout.WriteString(content)
				return err
			}
		}
		return nil
	}

	manifests, err := sortManifests(rendered)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, mf := range manifests {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", mf.name, mf.content)
	}
	_, err = os.Stdout.WriteString(b.String())
	return err
}

// sortManifests mirrors releaseutil.SortManifests: NOTES.txt and empty output are
// dropped, each file is split into documents that must parse as YAML, and the
// documents are stably sorted by kind in install order (unknown kinds last).
func sortManifests(rendered map[string]string) ([]manifest, error) {
	files := make([]string, 0, len(rendered))
	for f := range rendered {
		files = append(files, f)
	}
	sort.Strings(files)
	var out []manifest
	for _, f := range files {
		if strings.HasSuffix(f, "NOTES.txt") {
			continue
		}
		content := rendered[f]
		if strings.TrimSpace(content) == "" {
			continue
		}
		for _, doc := range sep.Split(strings.TrimSpace(content), -1) {
			if doc == "" {
				continue
			}
			doc = strings.TrimSpace(doc)
			var head simpleHead
			if err := sigsUnmarshal([]byte(doc), &head); err != nil {
				return nil, fmt.Errorf("YAML parse error on %s: %w", f, err)
			}
			out = append(out, manifest{name: f, content: doc, kind: head.Kind})
		}
	}
	order := map[string]int{}
	for i, k := range installOrder {
		order[k] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, aok := order[out[i].kind]
		b, bok := order[out[j].kind]
		if !aok && !bok {
			return out[i].kind < out[j].kind
		}
		if !aok {
			return false
		}
		if !bok {
			return true
		}
		return a < b
	})
	return out, nil
}

// reorder lets flags follow the chart argument, as with helm's CLI.
func reorder(args []string) []string {
	var flags, pos []string
	takesValue := map[string]bool{"-name": true, "--name": true, "-namespace": true, "--namespace": true,
		"-kube-version": true, "--kube-version": true, "-f": true, "--values": true, "-values": true,
		"-api-versions": true, "--api-versions": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
			if takesValue[a] && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}
