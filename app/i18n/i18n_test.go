package i18n

import (
	"strings"
	"testing"
)

func TestLanguagesHaveTheSameKeys(t *testing.T) {
	zh := MustLoad(ZhCN)
	en := MustLoad(En)
	for _, k := range zh.Keys() {
		if !en.Has(k) {
			t.Errorf("en lacks %s", k)
		}
	}
	for _, k := range en.Keys() {
		if !zh.Has(k) {
			t.Errorf("zh-CN lacks %s", k)
		}
	}
	if len(zh.Keys()) < 100 {
		t.Errorf("only %d keys", len(zh.Keys()))
	}
}

func TestFormatsAgree(t *testing.T) {
	zh, en := MustLoad(ZhCN), MustLoad(En)
	for _, k := range zh.Keys() {
		if strings.Count(zh.T(k), "%") != strings.Count(en.T(k), "%") {
			t.Errorf("%s: zh %q and en %q take different arguments", k, zh.T(k), en.T(k))
		}
	}
}

func TestT(t *testing.T) {
	zh := MustLoad(ZhCN)
	if got := zh.T("done.acceptance_no", "N1"); got != "受理编号：N1" {
		t.Errorf("T = %q", got)
	}
	if got := zh.T("no.such.key"); got != "[no.such.key]" {
		t.Errorf("missing key = %q", got)
	}
	if _, err := Load("fr"); err == nil {
		t.Error("fr loaded")
	}
}
