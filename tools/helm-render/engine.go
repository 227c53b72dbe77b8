package main

// The template engine, after helm.sh/helm/v3/pkg/engine: every template of the
// chart and its subcharts is parsed into one text/template set (deepest paths
// first, so a parent's `define` overrides a subchart's), each non-partial file is
// executed with its own chart's scope (.Values of a subchart are the parent's
// .Values.<name>), missing keys render as empty, and Helm's functions are added
// to sprig's.

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
)

const recursionMaxNums = 1000

// KubeVersion, VersionSet and Capabilities mirror chartutil's types, methods included.
type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

func (kv *KubeVersion) String() string     { return kv.Version }
func (kv *KubeVersion) GitVersion() string { return kv.Version }

type VersionSet []string

func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

type HelmVersion struct {
	Version      string `json:"version,omitempty"`
	GitCommit    string `json:"git_commit,omitempty"`
	GitTreeState string `json:"git_tree_state,omitempty"`
	GoVersion    string `json:"go_version,omitempty"`
}

type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion HelmVersion
}

// Files mirrors engine.files (.Files.Get, .GetBytes, .Lines, .Glob).
type Files map[string][]byte

func (f Files) GetBytes(name string) []byte { return f[name] }
func (f Files) Get(name string) string      { return string(f[name]) }
func (f Files) Lines(p string) []string {
	if f == nil || f[p] == nil {
		return []string{}
	}
	s := string(f[p])
	if s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return strings.Split(s, "\n")
}
func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if ok, _ := path.Match(pattern, name); ok {
			out[name] = data
		}
	}
	return out
}

type renderable struct {
	tpl      string
	vals     map[string]interface{}
	basePath string
}

func funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toYaml":        toYAML,
		"mustToYaml":    mustToYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"mustToJson":    mustToJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		// Late-bound in initFuncMap, declared here as Helm does.
		"include":  func(string, interface{}) string { return "not implemented" },
		"tpl":      func(string, interface{}) interface{} { return "not implemented" },
		"required": func(string, interface{}) (interface{}, error) { return "not implemented", nil },
		// helm template has no cluster: lookup finds nothing.
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func toYAML(v interface{}) string {
	data, err := sigsMarshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func mustToYAML(v interface{}) (string, error) {
	data, err := sigsMarshal(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(data), "\n"), nil
}

func fromYAML(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := sigsUnmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(str string) []interface{} {
	a := []interface{}{}
	if err := sigsUnmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func mustToJSON(v interface{}) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(data), nil
}

func fromJSON(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(str string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func includeFun(t *template.Template, includedNames map[string]int) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		var buf strings.Builder
		if v, ok := includedNames[name]; ok {
			if v > recursionMaxNums {
				return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
			}
			includedNames[name]++
		} else {
			includedNames[name] = 1
		}
		err := t.ExecuteTemplate(&buf, name, data)
		includedNames[name]--
		return buf.String(), err
	}
}

func tplFun(parent *template.Template, includedNames map[string]int) func(string, interface{}) (string, error) {
	return func(tpl string, vals interface{}) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		t.Option("missingkey=zero")
		// Re-bind include and tpl to the clone so `define`s inside tpl can be included.
		t.Funcs(template.FuncMap{
			"include": includeFun(t, includedNames),
			"tpl":     tplFun(t, includedNames),
		})
		t, err = t.New(parent.Name()).Parse(tpl)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", tpl, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", tpl, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

func initFuncMap(t *template.Template) {
	fm := funcMap()
	includedNames := map[string]int{}
	fm["include"] = includeFun(t, includedNames)
	fm["tpl"] = tplFun(t, includedNames)
	fm["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(warn)
		} else if s, ok := val.(string); ok && s == "" {
			return val, errors.New(warn)
		}
		return val, nil
	}
	fm["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	t.Funcs(fm)
}

// allTemplates mirrors engine.allTemplates/recAllTpls: it builds each chart's
// scope and collects its templates under "<chart path>/templates/...".
func allTemplates(c *Chart, top map[string]interface{}) map[string]renderable {
	out := map[string]renderable{}
	recAllTpls(c, out, top)
	return out
}

func recAllTpls(c *Chart, out map[string]renderable, vals map[string]interface{}) map[string]interface{} {
	subCharts := map[string]interface{}{}
	next := map[string]interface{}{
		"Chart":        c.Metadata,
		"Files":        filesOf(c),
		"Release":      vals["Release"],
		"Capabilities": vals["Capabilities"],
		"Values":       map[string]interface{}{},
		"Subcharts":    subCharts,
	}
	if c.isRoot() {
		next["Values"] = vals["Values"]
	} else if parentVals, ok := vals["Values"].(map[string]interface{}); ok {
		if vs, ok := parentVals[c.Metadata.Name].(map[string]interface{}); ok {
			next["Values"] = vs
		}
	}
	for _, sub := range c.Dependencies {
		subCharts[sub.Metadata.Name] = recAllTpls(sub, out, next)
	}
	newParentID := c.chartFullPath()
	for _, t := range c.Templates {
		out[path.Join(newParentID, t.Name)] = renderable{
			tpl:      string(t.Data),
			vals:     next,
			basePath: path.Join(newParentID, "templates"),
		}
	}
	return next
}

func filesOf(c *Chart) Files {
	f := Files{}
	for _, x := range c.Files {
		f[x.Name] = x.Data
	}
	return f
}

// sortTemplates: deeper paths first, then reverse lexical order, as Helm's byPathLen.
func sortTemplates(tpls map[string]renderable) []string {
	keys := make([]string, 0, len(tpls))
	for k := range tpls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		ca, cb := strings.Count(a, "/"), strings.Count(b, "/")
		if ca == cb {
			return a > b
		}
		return ca > cb
	})
	return keys
}

// render returns the output of every non-partial template, keyed by its name.
func render(tpls map[string]renderable) (map[string]string, error) {
	t := template.New("gotpl")
	t.Option("missingkey=zero")
	initFuncMap(t)
	keys := sortTemplates(tpls)
	for _, filename := range keys {
		if _, err := t.New(filename).Parse(tpls[filename].tpl); err != nil {
			return nil, fmt.Errorf("parse error at (%s): %w", filename, err)
		}
	}
	rendered := map[string]string{}
	for _, filename := range keys {
		// Partials (files starting with "_") only define templates.
		if strings.HasPrefix(path.Base(filename), "_") {
			continue
		}
		r := tpls[filename]
		vals := map[string]interface{}{}
		for k, v := range r.vals {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": filename, "BasePath": r.basePath}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, filename, vals); err != nil {
			return nil, err
		}
		// Helm's "<no value>" hack: missing keys render as empty strings.
		rendered[filename] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return rendered, nil
}

// simpleHead mirrors releaseutil.SimpleHead.
type simpleHead struct {
	Version  string `json:"apiVersion"`
	Kind     string `json:"kind,omitempty"`
	Metadata *struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata,omitempty"`
}
