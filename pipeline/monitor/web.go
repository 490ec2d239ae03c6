package monitor

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"sync"
)

// webFiles are the dashboard's page, script and style sheet: embedded, so
// the page needs nothing from the internet.
//
//go:embed web/index.html web/app.js web/style.css
var webFiles embed.FS

// The paths of the page's script and style sheet: files of their own, so
// that the page's CSP allows no inline script or style.
const (
	scriptPath = "/app.js"
	stylePath  = "/style.css"
)

// pageCSP is the page's Content-Security-Policy: its own script, style
// sheet and APIs, nothing inline, nothing from elsewhere.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// pageData fills the page template.
type pageData struct {
	Auth bool
}

var (
	pageOnce sync.Once
	pageTmpl *template.Template
)

// page writes the dashboard: one server-rendered HTML document that loads
// its script and style sheet from this server. It may be answered 401
// when a token is needed: the page then asks for it and sends it with
// every API request.
func (s *Server) page(w http.ResponseWriter, code int) {
	pageOnce.Do(func() {
		pageTmpl = template.Must(template.ParseFS(webFiles, "web/index.html"))
	})
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, pageData{Auth: s.opts.AuthToken != ""}); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pageCSP)
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

// assets registers the page's script and style sheet (served without the
// token: they are the same in every binary and hold no data).
func (s *Server) assets(mux *http.ServeMux) {
	for path, file := range map[string]struct{ name, typ string }{
		scriptPath: {"web/app.js", "text/javascript; charset=utf-8"},
		stylePath:  {"web/style.css", "text/css; charset=utf-8"},
	} {
		body, err := webFiles.ReadFile(file.name)
		if err != nil {
			panic(err) // embedded above
		}
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", file.typ)
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(body)
		})
	}
}
