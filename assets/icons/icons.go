// Package icons holds the kiosk's pictograms: a subset of Tabler Icons (MIT,
// LICENSE-tabler-icons.txt), made by subset.sh, one SVG per catalogue
// category plus a few for actions. app/screens imports it.
package icons

import (
	"embed"

	"fyne.io/fyne/v2"
)

//go:embed svg/*.svg
var files embed.FS

func load(name string) fyne.Resource {
	b, err := files.ReadFile("svg/" + name + ".svg")
	if err != nil {
		return nil
	}
	return fyne.NewStaticResource(name+".svg", b)
}

// Category returns the pictogram of a catalogue category by its ID, or the
// generic one for a category without its own.
func Category(id string) fyne.Resource {
	if r := load(id); r != nil {
		return r
	}
	return load("qita")
}

// Bundle returns the pictogram of a 一件事 bundle.
func Bundle() fyne.Resource { return load("bundle") }
