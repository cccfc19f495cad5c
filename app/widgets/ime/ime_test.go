package ime

import (
	"slices"
	"strings"
	"testing"
)

func typeAll(e *Engine, s string) {
	for _, r := range s {
		e.Type(r)
	}
}

func texts(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Text)
	}
	return out
}

func TestSegment(t *testing.T) {
	tests := []struct{ in, want string }{
		{"yanglao", "yang lao"},
		{"yangl", "yang l"},
		{"xianggang", "xiang gang"},
		{"shenfenzheng", "shen fen zheng"},
		{"zh", "zh"},
		{"iv", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(Segment(tt.in), " "); got != tt.want {
			t.Errorf("Segment(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCandidates(t *testing.T) {
	tests := []struct {
		typed string
		first string // first candidate
		has   string // within the first page
	}{
		{"de", "的", ""},
		{"shi", "是", "时"},
		{"bao", "", "保"},
		{"yanglao", "养老", ""},
		{"yanglaobaoxian", "养老保险", ""},
		{"shenfenzheng", "身份证", ""},
		{"yinhang", "银行", ""}, // 行 read hang
		{"nv", "女", ""},
		{"zh", "", "中"}, // incomplete syllable: common characters
	}
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			e := New()
			typeAll(e, tt.typed)
			page := texts(e.Page())
			if len(page) == 0 {
				t.Fatalf("no candidates")
			}
			if tt.first != "" && page[0] != tt.first {
				t.Errorf("first = %s, want %s (%v)", page[0], tt.first, page)
			}
			if tt.has != "" && !slices.Contains(page, tt.has) {
				t.Errorf("first page %v lacks %s", page, tt.has)
			}
		})
	}
}

func TestPickConsumesSyllables(t *testing.T) {
	e := New()
	typeAll(e, "yanglao")
	if e.Display() != "yang'lao" {
		t.Errorf("Display = %q", e.Display())
	}
	// Pick the single character 养: find it on the first pages.
	var got string
	for p := 0; p < 5 && got == ""; p++ {
		for i, c := range e.Page() {
			if c.Text == "养" {
				got, _ = e.Pick(i)
				break
			}
		}
		if got == "" {
			e.NextPage()
		}
	}
	if got != "养" {
		t.Fatalf("养 not offered")
	}
	if e.Buffer() != "lao" {
		t.Errorf("buffer after pick = %q, want lao", e.Buffer())
	}
	if c, _ := e.Pick(0); c != "老" {
		t.Errorf("then picked %q, want 老", c)
	}
	if e.Composing() {
		t.Errorf("still composing %q", e.Buffer())
	}
}

func TestPagingAndEditing(t *testing.T) {
	e := New()
	e.PageSize = 5
	typeAll(e, "shi")
	page, pages := e.PageInfo()
	if page != 1 || pages < 2 {
		t.Fatalf("PageInfo = %d/%d", page, pages)
	}
	first := texts(e.Page())
	if e.PrevPage() {
		t.Errorf("PrevPage on the first page")
	}
	if !e.NextPage() {
		t.Fatalf("NextPage failed")
	}
	if p, _ := e.PageInfo(); p != 2 || slices.Equal(texts(e.Page()), first) {
		t.Errorf("page 2 = %v", texts(e.Page()))
	}
	for e.NextPage() {
	}
	if p, n := e.PageInfo(); p != n {
		t.Errorf("last page %d of %d", p, n)
	}
	if _, ok := e.Pick(99); ok {
		t.Errorf("Pick out of range succeeded")
	}
	if !e.Backspace() || e.Buffer() != "sh" {
		t.Errorf("Backspace: %q", e.Buffer())
	}
	if p, _ := e.PageInfo(); p != 1 {
		t.Errorf("typing did not reset the page")
	}
	e.Clear()
	if e.Backspace() || e.Composing() || len(e.Candidates()) != 0 {
		t.Errorf("Clear left state")
	}
	if e.Type('1') || !e.Type('A') || e.Buffer() != "a" {
		t.Errorf("Type filtering wrong: %q", e.Buffer())
	}
}
