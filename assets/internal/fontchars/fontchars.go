// Package fontchars lists every character the kiosk can show: the locale
// files, the JSON assets (catalogue, test cards) and the string and rune
// literals of the Go code that draws the screens and the receipts. The font
// subset script (assets/fonts/make-font.sh) feeds the list to pyftsubset and
// assets' tests check that the bundled font has a glyph for each, so no
// screen or receipt ever needs a system font. Only assets' tests and the
// script use it.
package fontchars

import (
	"fmt"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// GoDirs are the trees (relative to the module root) whose Go string and rune
// literals can reach a screen or a receipt: the domain package (".", not
// recursive), the UI, the devices (receipt layout, ID-card ethnicity names,
// printer test page) and the assets. Test files count too: their literals
// are drawn in golden images.
var GoDirs = []string{".", "app", "devices", "assets"}

// Skip are files and trees whose literals describe the font instead of
// being shown: this package and the font's own tests.
var Skip = []string{"assets/font_test.go", "assets/internal/fontchars"}

// TextGlobs are files whose every character counts (relative to the root).
var TextGlobs = []string{"app/i18n/locales/*.toml", "assets/catalog/*.json", "assets/testcards/*.json"}

// Collect returns each displayable character found under root with the
// files it was seen in (relative to root, in walk order).
func Collect(root string) (map[rune][]string, error) {
	out := map[rune][]string{}
	add := func(s, where string) {
		for _, r := range s {
			if !Displayable(r) {
				continue
			}
			if fs := out[r]; len(fs) == 0 || fs[len(fs)-1] != where {
				out[r] = append(fs, where)
			}
		}
	}
	for _, g := range TextGlobs {
		files, err := filepath.Glob(filepath.Join(root, g))
		if err != nil {
			return nil, fmt.Errorf("fontchars: %w", err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("fontchars: no files match %s under %s", g, root)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("fontchars: %w", err)
			}
			add(string(b), rel(root, f))
		}
	}
	for _, d := range GoDirs {
		dir := filepath.Join(root, d)
		err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if slices.Contains(Skip, filepath.ToSlash(rel(root, p))) {
				if e.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if e.IsDir() {
				if p != dir && (d == "." || e.Name() == "testdata" || strings.HasPrefix(e.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".go") {
				return nil
			}
			lits, err := Literals(p)
			if err != nil {
				return err
			}
			for _, l := range lits {
				add(l, rel(root, p))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fontchars: %w", err)
		}
	}
	return out, nil
}

// Literals returns the decoded string and rune literals of one Go file.
func Literals(path string) ([]string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fontchars: %w", err)
	}
	fset := token.NewFileSet()
	file := fset.AddFile(path, -1, len(src))
	var errs scanner.ErrorList
	var s scanner.Scanner
	s.Init(file, src, func(pos token.Position, msg string) { errs.Add(pos, msg) }, 0)
	var out []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.STRING:
			v, err := strconv.Unquote(lit)
			if err != nil {
				return nil, fmt.Errorf("fontchars: %s: %w", path, err)
			}
			out = append(out, v)
		case token.CHAR:
			v, _, _, err := strconv.UnquoteChar(lit[1:len(lit)-1], '\'')
			if err != nil {
				return nil, fmt.Errorf("fontchars: %s: %w", path, err)
			}
			out = append(out, string(v))
		}
	}
	if errs.Len() > 0 {
		return nil, fmt.Errorf("fontchars: %w", errs.Err())
	}
	return out, nil
}

// Displayable reports whether r is a character a font must draw: printable
// and not a space (spaces need no glyph outline), and not a byte escape used
// in binary literals (C0/C1 controls and U+FFFD, which invalid UTF-8 in a
// literal decodes to).
func Displayable(r rune) bool {
	if r == unicode.ReplacementChar || r == ' ' || r == '\u3000' {
		return false
	}
	return unicode.IsPrint(r) || unicode.Is(unicode.Zs, r)
}

// Sorted returns the characters in code point order.
func Sorted(m map[rune][]string) []rune {
	rs := make([]rune, 0, len(m))
	for r := range m {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return rs
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}
