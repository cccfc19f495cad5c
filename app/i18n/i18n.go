// Package i18n holds the kiosk's translations: one TOML file per language in
// locales/ (zh-CN first, English second), embedded at build time. Keys are
// dotted ("attract.title"); values are fmt formats. app/ imports it.
package i18n

import (
	"embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

//go:embed locales/*.toml
var files embed.FS

// Languages, default first.
const (
	ZhCN = "zh-CN"
	En   = "en"
)

// Bundle is one language's strings.
type Bundle struct {
	lang string
	m    map[string]string
	fall *Bundle
}

var (
	mu     sync.Mutex
	loaded = map[string]*Bundle{}
)

// Load returns the bundle of lang; missing keys fall back to zh-CN.
func Load(lang string) (*Bundle, error) {
	mu.Lock()
	defer mu.Unlock()
	return load(lang)
}

func load(lang string) (*Bundle, error) {
	if b, ok := loaded[lang]; ok {
		return b, nil
	}
	raw, err := files.ReadFile("locales/" + lang + ".toml")
	if err != nil {
		return nil, fmt.Errorf("i18n: no language %q", lang)
	}
	var tree map[string]any
	if err := toml.Unmarshal(raw, &tree); err != nil {
		return nil, fmt.Errorf("i18n: %s: %w", lang, err)
	}
	b := &Bundle{lang: lang, m: map[string]string{}}
	flatten("", tree, b.m)
	if lang != ZhCN {
		if b.fall, err = load(ZhCN); err != nil {
			return nil, err
		}
	}
	loaded[lang] = b
	return b, nil
}

func flatten(prefix string, tree map[string]any, out map[string]string) {
	for k, v := range tree {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch v := v.(type) {
		case map[string]any:
			flatten(key, v, out)
		case string:
			out[key] = v
		}
	}
}

// MustLoad is Load for the embedded languages, which tests keep valid.
func MustLoad(lang string) *Bundle {
	b, err := Load(lang)
	if err != nil {
		panic(err)
	}
	return b
}

// Lang returns the bundle's language.
func (b *Bundle) Lang() string { return b.lang }

// T translates key, formatting args into it. A missing key shows itself in
// brackets, so that it is seen in screenshots rather than hidden.
func (b *Bundle) T(key string, args ...any) string {
	s, ok := b.m[key]
	if !ok && b.fall != nil {
		s, ok = b.fall.m[key]
	}
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Has reports whether key exists in this language itself.
func (b *Bundle) Has(key string) bool { _, ok := b.m[key]; return ok }

// Keys lists the bundle's keys, sorted.
func (b *Bundle) Keys() []string {
	keys := make([]string, 0, len(b.m))
	for k := range b.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Languages lists the embedded languages.
func Languages() []string {
	ents, _ := files.ReadDir("locales")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".toml"))
	}
	return out
}
