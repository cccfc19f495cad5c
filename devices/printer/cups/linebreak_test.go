package cups

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signintech/gopdf"
)

// noLineStart are the marks Chinese typesetting never puts at the start of
// a line.
const noLineStart = "、，。；：？！）」"

// commitment is a paragraph the kiosk prints, dense with pause marks.
const commitment = "本人承诺：本人与参保人员存在所填写的亲属关系，且为其合法继承人或指定受益人（含法定继承人），所填信息及提交材料真实、准确、完整。如有虚假，本人愿承担相应法律责任；并同意有关部门依法核查、撤销办理结果、追回已发放款项！相关失信行为记入个人信用记录？"

func startsBadly(line string) bool {
	line = strings.TrimSpace(line)
	return line != "" && strings.ContainsRune(noLineStart, []rune(line)[0])
}

// TestPDFLinesNeverStartWithPunctuation breaks the paragraph at every
// width from 3 to 30 characters, as the A4 form does, and checks that no
// line starts with 、，。；：？！）」, that every line fits, and that
// nothing is lost. gopdf's own SplitText (the form's old breaker) breaks
// anywhere and puts "，" at the start of a line at most of these widths.
func TestPDFLinesNeverStartWithPunctuation(t *testing.T) {
	w := &pdfWriter{pdf: &gopdf.GoPdf{}}
	w.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	if err := w.pdf.AddTTFFontData("cjk", font(t)); err != nil {
		t.Fatal(err)
	}
	if err := w.pdf.SetFont("cjk", "", bodySize); err != nil {
		t.Fatal(err)
	}
	for width := 3 * bodySize; width <= 30*bodySize; width += 0.5 {
		lines, err := w.split(commitment, width)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(lines, ""); got != commitment {
			t.Fatalf("width %.1f: lines join to %q", width, got)
		}
		for _, l := range lines {
			if startsBadly(l) {
				t.Fatalf("width %.1f: line starts with punctuation: %q in %q", width, l, lines)
			}
			if tw, _ := w.pdf.MeasureTextWidth(l); tw > width {
				t.Fatalf("width %.1f: line %q is %.1f wide", width, l, tw)
			}
		}
	}
}

// TestFormPDFLinesAsPrinted renders a form with the paragraph as a field
// value and as a section line, reads the printed text back with pdftotext
// and checks that no printed line starts with 、，。；：？！）」.
func TestFormPDFLinesAsPrinted(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatalf("pdftotext (poppler-utils, packaging/build-deps.txt) is needed: %v", err)
	}
	f := Form{Title: "告知承诺书", Fields: []Field{{"承诺内容", commitment}},
		Sections: []Section{{Heading: "告知承诺：", Lines: []string{commitment, "请携带本人居民身份证（必交，读取身份证即可），到窗口领取。"}}}}
	b, err := FormPDF(f, font(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "form.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	if n := strings.Count(strings.Join(strings.Fields(text), ""), "追回已发放款项"); n != 2 {
		t.Fatalf("the paragraph is printed %d times, want 2:\n%s", n, text)
	}
	for _, line := range strings.Split(text, "\n") {
		if startsBadly(line) {
			t.Errorf("printed line starts with punctuation: %q", line)
		}
	}
}
