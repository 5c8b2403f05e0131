// Package kubernetes holds the Kubernetes manifests of a groundwork
// deployment (the *.yaml files beside this one) and reads them back: Load
// returns every groundwork command they run, with the environment the
// container gives it, so a test can run each one (cmd/groundwork's unit
// tests on SQLite, integration/kubernetes on PostgreSQL) and the manifests
// cannot drift from what the binary accepts.
package kubernetes

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Command is one groundwork invocation of the manifests.
type Command struct {
	// Where names it: file, object, container and what runs it
	// ("deployment.yaml: Deployment/open-webui: container app: readinessProbe").
	Where string
	// Args are the arguments, without the program name.
	Args []string
	// Env is the container's environment: its envFrom, then its env.
	Env map[string]string
	// Probe is true for a probe (verify, run again and again), false for
	// a container's own command.
	Probe bool
}

// object is the part of a manifest Load reads.
type object struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Template struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	InitContainers []container `yaml:"initContainers"`
	Containers     []container `yaml:"containers"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	EnvFrom []struct {
		SecretRef    *ref `yaml:"secretRef"`
		ConfigMapRef *ref `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
			ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	StartupProbe   *probe `yaml:"startupProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
}

type ref struct {
	Name string `yaml:"name"`
}

type keyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type probe struct {
	Exec *struct {
		Command []string `yaml:"command"`
	} `yaml:"exec"`
}

// image is the repository of the groundwork image, whose entrypoint is
// the binary: a container of it runs groundwork with its args.
const image = "groundwork/groundwork"

// Load reads every *.yaml file of dir and returns the groundwork
// commands, file by file in name order, within a pod the init containers
// first, then each container's command and its probes (startup,
// readiness, liveness).
func Load(dir string) ([]Command, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("kubernetes: %w", err)
	}
	sort.Strings(files)
	type sourced struct {
		file string
		obj  object
	}
	var objs []sourced
	data := map[string]map[string]string{} // "Secret/name", "ConfigMap/name"
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("kubernetes: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var o object
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("kubernetes: %s: %w", filepath.Base(f), err)
			}
			switch o.Kind {
			case "Secret":
				m := map[string]string{}
				for k, v := range o.Data {
					b, err := base64.StdEncoding.DecodeString(v)
					if err != nil {
						return nil, fmt.Errorf("kubernetes: %s: Secret %s: data %s: %w", filepath.Base(f), o.Metadata.Name, k, err)
					}
					m[k] = string(b)
				}
				for k, v := range o.StringData {
					m[k] = v
				}
				data["Secret/"+o.Metadata.Name] = m
			case "ConfigMap":
				data["ConfigMap/"+o.Metadata.Name] = o.Data
			}
			objs = append(objs, sourced{filepath.Base(f), o})
		}
	}
	var out []Command
	for _, s := range objs {
		spec := s.obj.Spec.Template.Spec
		where := s.file + ": " + s.obj.Kind + "/" + s.obj.Metadata.Name
		for i, cs := range [][]container{spec.InitContainers, spec.Containers} {
			for _, c := range cs {
				kind := "container"
				if i == 0 {
					kind = "initContainer"
				}
				cmds, err := commands(c, where+": "+kind+" "+c.Name, data)
				if err != nil {
					return nil, err
				}
				out = append(out, cmds...)
			}
		}
	}
	return out, nil
}

// commands are the groundwork invocations of one container.
// Find returns the command whose place (Command.Where) ends in where,
// such as "Deployment/open-webui: initContainer groundwork".
func Find(cmds []Command, where string) (Command, bool) {
	for _, c := range cmds {
		if strings.HasSuffix(c.Where, where) {
			return c, true
		}
	}
	return Command{}, false
}

func commands(c container, where string, data map[string]map[string]string) ([]Command, error) {
	env := map[string]string{}
	for _, ef := range c.EnvFrom {
		key := ""
		switch {
		case ef.SecretRef != nil:
			key = "Secret/" + ef.SecretRef.Name
		case ef.ConfigMapRef != nil:
			key = "ConfigMap/" + ef.ConfigMapRef.Name
		}
		m, ok := data[key]
		if !ok {
			return nil, fmt.Errorf("kubernetes: %s: envFrom %s: not in the manifests", where, key)
		}
		for k, v := range m {
			env[k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = data["Secret/"+e.ValueFrom.SecretKeyRef.Name][e.ValueFrom.SecretKeyRef.Key]
		case e.ValueFrom.ConfigMapKeyRef != nil:
			env[e.Name] = data["ConfigMap/"+e.ValueFrom.ConfigMapKeyRef.Name][e.ValueFrom.ConfigMapKeyRef.Key]
		}
	}
	var out []Command
	add := func(what string, args []string, probe bool) {
		out = append(out, Command{Where: where + what, Args: args, Env: env, Probe: probe})
	}
	switch {
	case len(c.Command) > 0 && isGroundwork(c.Command[0]):
		add("", append(append([]string(nil), c.Command[1:]...), c.Args...), false)
	case len(c.Command) == 3 && filepath.Base(c.Command[0]) == "sh" && c.Command[1] == "-c":
		for _, args := range shellCommands(c.Command[2]) {
			add("", args, false)
		}
	case len(c.Command) == 0 && strings.HasPrefix(c.Image, image+":"):
		add("", c.Args, false)
	}
	for _, p := range []struct {
		name string
		p    *probe
	}{{"startupProbe", c.StartupProbe}, {"readinessProbe", c.ReadinessProbe}, {"livenessProbe", c.LivenessProbe}} {
		if p.p != nil && p.p.Exec != nil && len(p.p.Exec.Command) > 0 && isGroundwork(p.p.Exec.Command[0]) {
			add(": "+p.name, p.p.Exec.Command[1:], true)
		}
	}
	return out, nil
}

func isGroundwork(prog string) bool { return filepath.Base(prog) == "groundwork" }

// shellCommands are the groundwork invocations of a `sh -c` script: the
// commands between &&, || and ; whose program is groundwork, split into
// words (the manifests quote nothing inside the script).
func shellCommands(script string) [][]string {
	var out [][]string
	for _, part := range strings.FieldsFunc(strings.NewReplacer("&&", ";", "||", ";").Replace(script), func(r rune) bool { return r == ';' }) {
		if f := strings.Fields(part); len(f) > 0 && isGroundwork(f[0]) {
			out = append(out, f[1:])
		}
	}
	return out
}
