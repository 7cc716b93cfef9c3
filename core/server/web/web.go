// Package web holds the dashboard's templates and static assets, embedded
// in the pakyas binary: no build step, no CDN, works offline.
package web

import (
	"embed"
	"html/template"
	"io/fs"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Static is the assets served under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the directory is embedded
	}
	return sub
}

// Templates parses the page templates; each page is "<name>.html" and
// uses the "layout" template.
func Templates(funcs template.FuncMap) (*template.Template, error) {
	return template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
}
