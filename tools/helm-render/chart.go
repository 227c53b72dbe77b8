package main

// Chart loading with Helm 3's rules: Chart.yaml is the metadata, values.yaml the
// defaults, templates/ the templates, charts/ the dependencies (unpacked
// directories, symlinks to them, or .tgz archives), every other file is in .Files.
// Dependencies named in Chart.yaml must be present in charts/ (as after
// `helm dependency update`); aliases rename a copy and conditions disable one.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Maintainer and Dependency mirror helm.sh/helm/v3/pkg/chart.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

type Dependency struct {
	Name         string        `json:"name"`
	Version      string        `json:"version,omitempty"`
	Repository   string        `json:"repository"`
	Condition    string        `json:"condition,omitempty"`
	Tags         []string      `json:"tags,omitempty"`
	Enabled      bool          `json:"enabled,omitempty"`
	ImportValues []interface{} `json:"import-values,omitempty"`
	Alias        string        `json:"alias,omitempty"`
}

// Metadata mirrors chart.Metadata: templates see it as .Chart, with Go field names
// (.Chart.Name, .Chart.AppVersion), exactly as in Helm.
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []*Dependency     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

type file struct {
	Name string
	Data []byte
}

type Chart struct {
	Metadata     *Metadata
	Values       map[string]interface{}
	Templates    []file
	Files        []file
	Dependencies []*Chart
	parent       *Chart
}

func (c *Chart) isRoot() bool { return c.parent == nil }

// chartFullPath mirrors chart.ChartFullPath: "root/charts/sub".
func (c *Chart) chartFullPath() string {
	if c.isRoot() {
		return c.Metadata.Name
	}
	return c.parent.chartFullPath() + "/charts/" + c.Metadata.Name
}

func (c *Chart) hasDependency(name string) bool {
	for _, d := range c.Dependencies {
		if d.Metadata.Name == name {
			return true
		}
	}
	return false
}

// loadDir reads a chart directory, following symlinks as Helm's loader does.
func loadDir(dir string) (*Chart, error) {
	files := map[string][]byte{}
	if err := walk(dir, "", files); err != nil {
		return nil, err
	}
	return loadFiles(files, dir)
}

func walk(root, rel string, out map[string][]byte) error {
	entries, err := os.ReadDir(filepath.Join(root, rel))
	if err != nil {
		return err
	}
	for _, e := range entries {
		r := path.Join(rel, e.Name())
		full := filepath.Join(root, r)
		info, err := os.Stat(full) // follows symlinks
		if err != nil {
			return err
		}
		if info.IsDir() {
			if err := walk(root, r, out); err != nil {
				return err
			}
			continue
		}
		data, err := os.ReadFile(full)
		if err != nil {
			return err
		}
		out[r] = data
	}
	return nil
}

func loadArchive(data []byte, origin string) (*Chart, error) {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", origin, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		// Archives hold one top-level directory named after the chart.
		parts := strings.SplitN(path.Clean(h.Name), "/", 2)
		if len(parts) < 2 {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[parts[1]] = b
	}
	return loadFiles(files, origin)
}

func loadFiles(files map[string][]byte, origin string) (*Chart, error) {
	c := &Chart{Values: map[string]interface{}{}}
	raw, ok := files["Chart.yaml"]
	if !ok {
		return nil, fmt.Errorf("%s: Chart.yaml file is missing", origin)
	}
	c.Metadata = &Metadata{}
	if err := sigsUnmarshal(raw, c.Metadata); err != nil {
		return nil, fmt.Errorf("%s: cannot load Chart.yaml: %w", origin, err)
	}
	if c.Metadata.APIVersion == "" {
		c.Metadata.APIVersion = "v1"
	}
	if c.Metadata.Name == "" {
		return nil, fmt.Errorf("%s: chart.metadata.name is required", origin)
	}
	if c.Metadata.Version == "" {
		return nil, fmt.Errorf("%s: chart.metadata.version is required", origin)
	}
	subcharts := map[string][]byte{}
	subdirs := map[string]map[string][]byte{}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		data := files[n]
		switch {
		case n == "Chart.yaml", n == "Chart.lock", n == "requirements.yaml", n == "requirements.lock",
			n == "values.schema.json", n == ".helmignore":
		case n == "values.yaml":
			v, err := readValues(data)
			if err != nil {
				return nil, fmt.Errorf("%s: cannot load values.yaml: %w", origin, err)
			}
			c.Values = v
		case strings.HasPrefix(n, "templates/"):
			c.Templates = append(c.Templates, file{Name: n, Data: data})
		case strings.HasPrefix(n, "charts/"):
			rest := strings.TrimPrefix(n, "charts/")
			if i := strings.Index(rest, "/"); i >= 0 {
				dir := rest[:i]
				if subdirs[dir] == nil {
					subdirs[dir] = map[string][]byte{}
				}
				subdirs[dir][rest[i+1:]] = data
			} else if strings.HasSuffix(rest, ".tgz") {
				subcharts[rest] = data
			}
		default:
			c.Files = append(c.Files, file{Name: n, Data: data})
		}
	}
	for name, sub := range subdirs {
		sc, err := loadFiles(sub, origin+"/charts/"+name)
		if err != nil {
			return nil, err
		}
		sc.parent = c
		c.Dependencies = append(c.Dependencies, sc)
	}
	for name, data := range subcharts {
		sc, err := loadArchive(data, origin+"/charts/"+name)
		if err != nil {
			return nil, err
		}
		sc.parent = c
		c.Dependencies = append(c.Dependencies, sc)
	}
	sort.Slice(c.Dependencies, func(i, j int) bool {
		return c.Dependencies[i].Metadata.Name < c.Dependencies[j].Metadata.Name
	})
	return c, nil
}

// processDependencies mirrors chartutil.ProcessDependencies for what charts here
// use: every dependency listed in Chart.yaml must be in charts/, an alias renames
// a copy, and a `condition` (comma-separated paths into the parent's values; the
// first one set wins) disables it. Tags and import-values are not supported and
// are refused rather than ignored.
func processDependencies(c *Chart, userVals map[string]interface{}) error {
	cvals, err := coalesceValues(c, userVals)
	if err != nil {
		return err
	}
	return processDeps(c, cvals, "")
}

func processDeps(c *Chart, cvals map[string]interface{}, prefix string) error {
	byName := map[string]*Chart{}
	for _, d := range c.Dependencies {
		byName[d.Metadata.Name] = d
	}
	listed := map[string]bool{}
	var kept []*Chart
	for _, req := range c.Metadata.Dependencies {
		if len(req.Tags) > 0 || len(req.ImportValues) > 0 {
			return fmt.Errorf("%s: dependency %s uses tags or import-values, which helm-render does not support", c.Metadata.Name, req.Name)
		}
		sub, ok := byName[req.Name]
		if !ok {
			return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s", req.Name)
		}
		listed[req.Name] = true
		name := req.Name
		if req.Alias != "" {
			cp := *sub
			md := *sub.Metadata
			md.Name = req.Alias
			cp.Metadata = &md
			sub = &cp
			name = req.Alias
		}
		enabled := true
		if req.Condition != "" {
			for _, cond := range strings.Split(req.Condition, ",") {
				v, found := pathValue(cvals, concatPrefix(prefix, strings.TrimSpace(cond)))
				if !found {
					continue
				}
				if b, ok := v.(bool); ok {
					enabled = b
					break
				}
				warnf("condition path '%s' for chart %s returned non-bool value", cond, name)
			}
		}
		if enabled {
			kept = append(kept, sub)
		}
	}
	for _, d := range c.Dependencies {
		if !listed[d.Metadata.Name] {
			kept = append(kept, d) // in charts/ without a Chart.yaml entry: always enabled
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Metadata.Name < kept[j].Metadata.Name })
	c.Dependencies = kept
	for _, d := range kept {
		d.parent = c
		if err := processDeps(d, cvals, concatPrefix(prefix, d.Metadata.Name)); err != nil {
			return err
		}
	}
	return nil
}
