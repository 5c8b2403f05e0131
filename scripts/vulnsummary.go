//go:build ignore

// vulnsummary reads `govulncheck -format json` on stdin and prints the
// vulnerabilities the code actually reaches (symbol-level findings),
// grouped by module, with the version that fixes each. Exit status: 0
// when nothing is reached; 3 when a module vulnerability is reached, or a
// standard-library one and -stdlib=fail; 1 on bad input. Run by
// scripts/govulncheck.sh: go run scripts/vulnsummary.go [-stdlib=warn|fail]
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

type message struct {
	Config *struct {
		DB             string `json:"db"`
		DBLastModified string `json:"db_last_modified"`
		GoVersion      string `json:"go_version"`
		ScannerVersion string `json:"scanner_version"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

type vuln struct {
	id, module, found, fixed string
	symbols                  map[string]bool
	caller                   string
}

func main() {
	stdlib := flag.String("stdlib", "fail", "what a reached standard-library vulnerability does: fail or warn")
	flag.Parse()
	summaries := map[string]string{}
	reached := map[string]*vuln{}
	dec := json.NewDecoder(os.Stdin)
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "vulnsummary: not govulncheck JSON:", err)
			os.Exit(1)
		}
		switch {
		case m.Config != nil:
			fmt.Printf("govulncheck %s, %s, database %s (modified %s)\n", m.Config.ScannerVersion, m.Config.GoVersion, m.Config.DB, m.Config.DBLastModified)
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0 && m.Finding.Trace[0].Function != "":
			f := m.Finding
			v := reached[f.OSV]
			if v == nil {
				v = &vuln{id: f.OSV, module: f.Trace[0].Module, found: f.Trace[0].Version, fixed: f.FixedVersion, symbols: map[string]bool{}}
				reached[f.OSV] = v
			}
			sym := f.Trace[0].Package + "." + f.Trace[0].Function
			if f.Trace[0].Receiver != "" {
				sym = f.Trace[0].Package + "." + strings.TrimPrefix(f.Trace[0].Receiver, "*") + "." + f.Trace[0].Function
			}
			v.symbols[sym] = true
			if last := f.Trace[len(f.Trace)-1]; v.caller == "" && last.Module != "stdlib" {
				v.caller = last.Package + "." + last.Function
			}
		}
	}
	var ids []string
	for id := range reached {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	modules, std := 0, 0
	for _, id := range ids {
		v := reached[id]
		if v.module == "stdlib" {
			std++
		} else {
			modules++
		}
		fmt.Printf("\n%s: %s\n  %s@%s, fixed in %s\n  reached: %d symbols, e.g. from %s\n", id, summaries[id], v.module, v.found, orNone(v.fixed), len(v.symbols), v.caller)
	}
	fmt.Printf("\n%d reached vulnerabilities in modules, %d in the standard library\n", modules, std)
	switch {
	case modules > 0:
		fmt.Println("FAIL: upgrade each module to its fixed version (go get module@version)")
		os.Exit(3)
	case std > 0 && *stdlib == "fail":
		fmt.Println("FAIL: the Go toolchain's standard library has reached vulnerabilities; build with a Go release that fixes them")
		os.Exit(3)
	case std > 0:
		fmt.Println("WARNING: the Go toolchain's standard library has reached vulnerabilities; build with a Go release that fixes them; passing only because of -stdlib=warn (GOVULNCHECK_STDLIB=fail makes it fail)")
	default:
		fmt.Println("clean: no reached vulnerability")
	}
}

func orNone(s string) string {
	if s == "" {
		return "(no fixed version)"
	}
	return s
}
