package widgets

import (
	_ "unsafe" // go:linkname, below

	"fyne.io/fyne/v2"
)

// cachedRenderer is Fyne's renderer cache lookup: the only way to reach the
// objects a widget draws without creating a second renderer (Fyne exports
// it only through its test package, whose init replaces the running app).
// The test probe (app/screens/probe.go) uses the same symbol; the patched
// Fyne build pins the version (packaging/scripts/fyne-overlay.sh).
//
//go:linkname cachedRenderer fyne.io/fyne/v2/internal/cache.CachedRenderer
func cachedRenderer(wid fyne.Widget) (fyne.WidgetRenderer, bool)

// widgetObjects returns what w draws, or nothing when it has not been
// rendered (then it is not on screen to be tapped either).
func widgetObjects(w fyne.Widget) []fyne.CanvasObject {
	if r, ok := cachedRenderer(w); ok && r != nil {
		return r.Objects()
	}
	return nil
}
