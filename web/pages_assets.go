package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/i18n"
)

// The attendee pages' templates and their one stylesheet are embedded in
// the binary: the service works offline and sends no visitor elsewhere.
//
//go:embed templates/*.html templates/console/*.html static/*
var webFS embed.FS

// staticAsset is an embedded file with its content hash. Pages link to the
// hashed name (convene.3f9a1c2b7d4e.css), which never changes meaning and
// may be cached for a year; the plain name is served too, revalidated by
// its ETag.
type staticAsset struct {
	body        []byte
	contentType string
	etag        string
	hashedName  string
}

var (
	staticByName = map[string]*staticAsset{} // plain and hashed names
	staticURL    = map[string]string{}       // plain name -> /static/<hashed name>
	// pageTemplate are the attendee pages, per language for those in
	// translatedPages (pageTemplate[page][tag]), else English alone.
	pageTemplate = map[string]map[string]*template.Template{}
	// consoleTemplate are the organiser console's pages, in its own frame
	// (templates/console/layout.html), per language for those in
	// translatedConsole (consoleTemplate[page][tag]), else English alone.
	consoleTemplate = map[string]map[string]*template.Template{}
)

func init() {
	files, err := fs.Glob(webFS, "static/*")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		body, err := webFS.ReadFile(f)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:6])
		name := path.Base(f)
		ext := path.Ext(name)
		ct := mime.TypeByExtension(ext)
		switch ext { // not left to the host's mime.types
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		}
		a := &staticAsset{body: body, contentType: ct, etag: `"` + hash + `"`,
			hashedName: strings.TrimSuffix(name, ext) + "." + hash + ext}
		staticByName[name], staticByName[a.hashedName] = a, a
		staticURL[name] = "/static/" + a.hashedName
	}

	for _, page := range []string{"event", "rsvp", "cancel", "group", "message", "invitation", "confirm", "erase", "door", "join", "series", "follow", "feedback", "verify"} {
		addPage(page)
	}

	frame := template.Must(template.New("layout.html").Funcs(consoleFuncs).Funcs(pageFuncs(english)).ParseFS(webFS,
		"templates/console/layout.html", "templates/console/events.html", "templates/partials.html"))
	pages, err := fs.Glob(webFS, "templates/console/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range pages {
		page := strings.TrimSuffix(path.Base(f), ".html")
		if page == "layout" || page == "events" {
			continue
		}
		t := template.Must(template.Must(frame.Clone()).ParseFS(webFS, f))
		consoleTemplate[page] = map[string]*template.Template{english.Tag(): t}
		if !translatedConsole[page] {
			continue
		}
		for _, l := range append(i18n.All(), i18n.Get(i18n.Pseudo)) {
			consoleTemplate[page][l.Tag()] = template.Must(t.Clone()).Funcs(pageFuncs(l))
		}
	}
}

// serveStatic serves an embedded asset. The hashed name is immutable; the
// plain one is revalidated.
func serveStatic(c echo.Context) error {
	name := c.Param("name")
	a, ok := staticByName[name]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("ETag", a.etag)
	if name == a.hashedName {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	for _, t := range strings.Split(c.Request().Header.Get("If-None-Match"), ",") {
		if t = strings.TrimPrefix(strings.TrimSpace(t), "W/"); t == a.etag || t == "*" {
			return c.NoContent(http.StatusNotModified)
		}
	}
	return c.Blob(http.StatusOK, a.contentType, a.body)
}

// addPage parses an attendee page with the layout and partials, in
// English and, if it is translated, in every other language.
func addPage(page string) {
	t := template.Must(template.New("layout.html").Funcs(pageFuncs(english)).ParseFS(webFS,
		"templates/layout.html", "templates/partials.html", "templates/"+page+".html"))
	pageTemplate[page] = map[string]*template.Template{english.Tag(): t}
	if !translatedPages[page] {
		return
	}
	for _, l := range append(i18n.All(), i18n.Get(i18n.Pseudo)) {
		pageTemplate[page][l.Tag()] = template.Must(t.Clone()).Funcs(pageFuncs(l))
	}
}
