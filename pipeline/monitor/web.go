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

// pageData fills the page template.
type pageData struct {
	Style  template.CSS
	Script template.JS
	Auth   bool
}

var (
	pageOnce sync.Once
	pageTmpl *template.Template
)

// page writes the dashboard: one server-rendered HTML document with its
// style and script inline, so that it loads with a single request (which
// may be answered 401 when a token is needed: the page then asks for it and
// sends it with every API request).
func (s *Server) page(w http.ResponseWriter, code int) {
	pageOnce.Do(func() {
		pageTmpl = template.Must(template.ParseFS(webFiles, "web/index.html"))
	})
	css, _ := webFiles.ReadFile("web/style.css")
	js, _ := webFiles.ReadFile("web/app.js")
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, pageData{Style: template.CSS(css), Script: template.JS(js), Auth: s.opts.AuthToken != ""}); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}
