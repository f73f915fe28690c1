// version_pairs_go.go: golang.org/x/mod/semver's verdict on pairs of Go
// module versions, for tests/interop/test_versions_interop.sh.
//
// Reads "a<TAB>b" lines on stdin; prints "<", "=" or ">" for
// semver.Compare(a, b), or "invalid" when semver.IsValid refuses either
// (Compare itself would order invalid versions first), one line per pair:
// the output format of tests/interop/version_pairs. OSV writes Go versions
// without the leading "v" that semver requires, and waybill takes both, so
// a version without it gets one here before Go judges it. Built offline against
// Debian's golang-golang-x-mod-dev (GO111MODULE=off, GOPATH=/usr/share/gocode).
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		a, b, ok := strings.Cut(in.Text(), "\t")
		if !ok {
			fmt.Fprintln(os.Stderr, "line without a tab")
			os.Exit(2)
		}
		if !strings.HasPrefix(a, "v") {
			a = "v" + a
		}
		if !strings.HasPrefix(b, "v") {
			b = "v" + b
		}
		if !semver.IsValid(a) || !semver.IsValid(b) {
			fmt.Fprintln(out, "invalid")
			continue
		}
		switch semver.Compare(a, b) {
		case -1:
			fmt.Fprintln(out, "<")
		case 0:
			fmt.Fprintln(out, "=")
		default:
			fmt.Fprintln(out, ">")
		}
	}
}
