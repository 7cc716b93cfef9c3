// Command crosscheck type-checks a module's packages, their tests
// included, for other operating systems and architectures, without
// compiling them: `make test` proves that Pakyas builds for darwin and
// windows in seconds rather than minutes.
//
//	go run ./crosscheck [-C dir] [-tags list] [-tests=false] GOOS/GOARCH... [-- packages]
//
// The module's own files are checked in full. Dependencies (the standard
// library and every module) are checked without their function bodies: the
// compiler's backend and the dependencies' internals are not what differs
// between our platforms, but every file selection by build constraint,
// every declaration our code uses, and all of our code is. `make dist`
// remains the full release build.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/tools/go/packages"
)

func main() {
	dir := flag.String("C", ".", "the module's directory")
	tests := flag.Bool("tests", true, "check the test files too")
	tags := flag.String("tags", "", "build tags, as go build -tags takes them")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: crosscheck [-C dir] [-tags list] [-tests=false] GOOS/GOARCH... [-- packages]")
		flag.PrintDefaults()
	}
	flag.Parse()
	var platforms, patterns []string
	for i, a := range flag.Args() {
		if a == "--" {
			patterns = flag.Args()[i+1:]
			break
		}
		platforms = append(platforms, a)
	}
	if len(platforms) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	root, err := filepath.Abs(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crosscheck:", err)
		os.Exit(1)
	}
	failed := false
	for _, p := range platforms {
		goos, goarch, ok := strings.Cut(p, "/")
		if !ok {
			fmt.Fprintf(os.Stderr, "crosscheck: %q is not GOOS/GOARCH, e.g. darwin/arm64\n", p)
			os.Exit(2)
		}
		start := time.Now()
		n, errs := check(root, goos, goarch, *tags, *tests, patterns)
		for _, e := range errs {
			fmt.Printf("%s/%s: %s\n", goos, goarch, e)
		}
		if len(errs) > 0 || n == 0 {
			failed = true
			fmt.Printf("crosscheck %s/%s: FAIL (%d errors in %d packages)\n", goos, goarch, len(errs), n)
			continue
		}
		fmt.Printf("crosscheck %s/%s: ok, %d packages type-checked in %.1fs\n", goos, goarch, n, time.Since(start).Seconds())
	}
	if failed {
		os.Exit(1)
	}
}

// check type-checks patterns under root for goos/goarch and returns how
// many of the module's packages it checked and every error found in them.
func check(root, goos, goarch, tags string, tests bool, patterns []string) (int, []string) {
	prefix := root + string(filepath.Separator)
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps |
			packages.NeedTypes | packages.NeedSyntax | packages.NeedModule,
		Dir:        root,
		Tests:      tests,
		BuildFlags: []string{"-tags=" + tags},
		Env:        append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=mod"),
		ParseFile: func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
			f, err := parser.ParseFile(fset, filename, src, parser.AllErrors|parser.ParseComments|parser.SkipObjectResolution)
			if f != nil && !strings.HasPrefix(filename, prefix) {
				stripBodies(f)
			}
			return f, err
		},
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return 0, []string{err.Error()}
	}
	var errs []string
	seen := map[string]bool{} // a package and its test variant share files
	n := 0
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if strings.HasSuffix(p.PkgPath, ".test") {
			return // the generated test main: nothing of ours
		}
		ours := p.Module != nil && p.Module.Main
		if ours {
			n++
		}
		for _, e := range p.Errors {
			// A dependency without its function bodies leaves imports
			// unused; anything else wrong in a dependency is reported.
			if !ours && e.Kind == packages.TypeError && strings.Contains(e.Msg, " imported ") && strings.HasSuffix(e.Msg, "not used") {
				continue
			}
			if msg := fmt.Sprintf("%s: %s", p.PkgPath, e); !seen[msg] {
				seen[msg] = true
				errs = append(errs, msg)
			}
		}
	})
	return n, errs
}

// stripBodies replaces every function body of f with `{ panic(0) }` (a
// terminating statement, so results need no return): a dependency's
// declarations are what our code is checked against.
func stripBodies(f *ast.File) {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			pos := fd.Body.Lbrace
			fd.Body = &ast.BlockStmt{Lbrace: pos, Rbrace: fd.Body.Rbrace, List: []ast.Stmt{
				&ast.ExprStmt{X: &ast.CallExpr{Fun: &ast.Ident{NamePos: pos, Name: "panic"}, Lparen: pos, Rparen: pos,
					Args: []ast.Expr{&ast.BasicLit{ValuePos: pos, Kind: token.INT, Value: "0"}}}},
			}}
		}
	}
}
