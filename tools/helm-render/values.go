package main

// YAML and values handling with Helm 3's semantics.
//
// Helm reads values files, Chart.yaml and manifests with sigs.k8s.io/yaml, which
// parses YAML 1.1 with gopkg.in/yaml.v2, converts the result to JSON and decodes
// that JSON with encoding/json. The visible consequences, reproduced here on
// purpose because charts must be written for them:
//   - every number in .Values is a float64 (so `{{ .Values.big }}` prints 1e+06
//     for 1000000, and templates must use `int64` before printing numbers);
//   - YAML 1.1 booleans: unquoted yes/no/on/off are booleans;
//   - toYaml marshals to JSON first, then to YAML (keys sorted, 2-space indent,
//     sequences not indented under their key) and drops the trailing newline.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	yaml "gopkg.in/yaml.v2"
)

// yamlToJSON mirrors sigs.k8s.io/yaml.YAMLToJSON.
func yamlToJSON(data []byte) ([]byte, error) {
	var obj interface{}
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	jsonable, err := toJSONable(obj)
	if err != nil {
		return nil, err
	}
	return json.Marshal(jsonable)
}

// toJSONable turns yaml.v2's map[interface{}]interface{} into JSON-compatible
// maps, stringifying non-string keys the way sigs.k8s.io/yaml does.
func toJSONable(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, val := range t {
			var key string
			switch kk := k.(type) {
			case string:
				key = kk
			case int:
				key = strconv.Itoa(kk)
			case int64:
				key = strconv.FormatInt(kk, 10)
			case uint64:
				key = strconv.FormatUint(kk, 10)
			case float64:
				key = strconv.FormatFloat(kk, 'g', -1, 64)
			case bool:
				key = strconv.FormatBool(kk)
			case nil:
				key = "null"
			default:
				return nil, fmt.Errorf("unsupported map key of type %T: %v", k, k)
			}
			conv, err := toJSONable(val)
			if err != nil {
				return nil, err
			}
			out[key] = conv
		}
		return out, nil
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, val := range t {
			conv, err := toJSONable(val)
			if err != nil {
				return nil, err
			}
			out[i] = conv
		}
		return out, nil
	default:
		return v, nil
	}
}

// sigsUnmarshal mirrors sigs.k8s.io/yaml.Unmarshal: YAML -> JSON -> encoding/json.
func sigsUnmarshal(data []byte, target interface{}) error {
	j, err := yamlToJSON(data)
	if err != nil {
		return err
	}
	return json.Unmarshal(j, target)
}

// sigsMarshal mirrors sigs.k8s.io/yaml.Marshal: encoding/json -> YAML (yaml.v2).
func sigsMarshal(v interface{}) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("error marshaling into JSON: %w", err)
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return nil, err
	}
	return yaml.Marshal(obj)
}

// readValues mirrors chartutil.ReadValues: an empty document is an empty map.
func readValues(data []byte) (map[string]interface{}, error) {
	vals := map[string]interface{}{}
	if len(bytes.TrimSpace(data)) == 0 {
		return vals, nil
	}
	if err := sigsUnmarshal(data, &vals); err != nil {
		return nil, err
	}
	if vals == nil {
		vals = map[string]interface{}{}
	}
	return vals, nil
}

func isTable(v interface{}) bool {
	_, ok := v.(map[string]interface{})
	return ok
}

// deepCopy copies JSON-shaped data (maps, slices, scalars).
func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, val := range t {
			out[k] = deepCopy(val)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, val := range t {
			out[i] = deepCopy(val)
		}
		return out
	default:
		return v
	}
}

func copyMap(m map[string]interface{}) map[string]interface{} {
	return deepCopy(m).(map[string]interface{})
}

// mergeMaps mirrors Helm's cli/values mergeMaps, used to combine several -f files:
// later files win, tables are merged, nulls are kept (coalescing removes them later).
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k]; ok {
				if bvm, ok := bv.(map[string]interface{}); ok {
					out[k] = mergeMaps(bvm, vm)
					continue
				}
			}
		}
		out[k] = v
	}
	return out
}

const globalKey = "global"

// coalesceValues mirrors chartutil.CoalesceValues: user values win over chart
// defaults, a null user value deletes the default key, and every subchart gets
// its defaults merged under its (alias) name plus the parent's globals.
func coalesceValues(c *Chart, userVals map[string]interface{}) (map[string]interface{}, error) {
	return coalesce(c, copyMap(userVals), "")
}

func coalesce(c *Chart, dest map[string]interface{}, prefix string) (map[string]interface{}, error) {
	coalesceChartValues(c, dest, prefix)
	return coalesceDeps(c, dest, prefix)
}

func coalesceDeps(c *Chart, dest map[string]interface{}, prefix string) (map[string]interface{}, error) {
	for _, sub := range c.Dependencies {
		name := sub.Metadata.Name
		if v, ok := dest[name]; !ok || v == nil {
			dest[name] = map[string]interface{}{}
		} else if !isTable(v) {
			return dest, fmt.Errorf("type mismatch on %s: %T", name, v)
		}
		dvmap := dest[name].(map[string]interface{})
		subPrefix := concatPrefix(prefix, c.Metadata.Name)
		coalesceGlobals(dvmap, dest)
		res, err := coalesce(sub, dvmap, subPrefix)
		if err != nil {
			return dest, err
		}
		dest[name] = res
	}
	return dest, nil
}

func coalesceGlobals(dest, src map[string]interface{}) {
	var dg, sg map[string]interface{}
	if destglob, ok := dest[globalKey]; !ok {
		dg = map[string]interface{}{}
	} else if dg, ok = destglob.(map[string]interface{}); !ok {
		warnf("skipping globals because destination %s is not a table", globalKey)
		return
	}
	if srcglob, ok := src[globalKey]; !ok {
		sg = map[string]interface{}{}
	} else if sg, ok = srcglob.(map[string]interface{}); !ok {
		warnf("skipping globals because source %s is not a table", globalKey)
		return
	}
	for key, val := range sg {
		if vm, ok := val.(map[string]interface{}); ok {
			vv := copyMap(vm)
			if destv, ok := dg[key]; !ok {
				dg[key] = vv
			} else if destvmap, ok := destv.(map[string]interface{}); !ok {
				warnf("conflict: cannot merge map onto non-map for %q, skipping", key)
			} else {
				// Parent globals win over the subchart's own, merged top-down.
				coalesceTables(vv, destvmap, true)
				dg[key] = vv
			}
		} else if dv, ok := dg[key]; ok && isTable(dv) {
			warnf("key %s is a table, skipping", key)
		} else {
			dg[key] = val
		}
	}
	dest[globalKey] = dg
}

func coalesceChartValues(c *Chart, v map[string]interface{}, prefix string) {
	subPrefix := concatPrefix(prefix, c.Metadata.Name)
	for key, val := range copyMap(c.Values) {
		if value, ok := v[key]; ok {
			if value == nil {
				delete(v, key)
			} else if dest, ok := value.(map[string]interface{}); ok {
				src, ok := val.(map[string]interface{})
				if !ok {
					if val != nil {
						warnf("skipped value for %s.%s: not a table", subPrefix, key)
					}
				} else {
					// Keys that are subcharts keep their nulls until that subchart coalesces.
					coalesceTables(dest, src, c.hasDependency(key))
				}
			}
		} else {
			v[key] = val
		}
	}
}

// coalesceTables merges src into dst; dst has precedence. Without merge, a null in
// dst deletes the key.
func coalesceTables(dst, src map[string]interface{}, merge bool) map[string]interface{} {
	if src == nil {
		return dst
	}
	if dst == nil {
		return src
	}
	for key, val := range src {
		dv, ok := dst[key]
		switch {
		case ok && !merge && dv == nil:
			delete(dst, key)
		case !ok:
			dst[key] = val
		case isTable(val):
			if isTable(dv) {
				coalesceTables(dv.(map[string]interface{}), val.(map[string]interface{}), merge)
			} else {
				warnf("cannot overwrite table with non table for %s (%v)", key, val)
			}
		case isTable(dv) && val != nil:
			warnf("destination for %s is a table, ignoring non-table value (%v)", key, val)
		}
	}
	return dst
}

func concatPrefix(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// pathValue looks up a dotted path ("a.b.c") in nested tables.
func pathValue(vals map[string]interface{}, path string) (interface{}, bool) {
	cur := interface{}(vals)
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' {
			continue
		}
		m, ok := cur.(map[string]interface{})
		if !ok {
			return nil, false
		}
		cur, ok = m[path[start:i]]
		if !ok {
			return nil, false
		}
		start = i + 1
	}
	return cur, true
}
