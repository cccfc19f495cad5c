package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// genDocs makes a catalogue of n items from realistic name parts.
func genDocs(n int) []Doc {
	who := []string{"城乡居民", "职工", "个体工商户", "企业", "残疾人", "老年人", "农村", "城镇", "退役军人", "灵活就业人员", "困难群众", "新生儿", "外来务工人员", ""}
	what := []string{"养老保险", "医疗保险", "失业保险", "工伤保险", "户籍", "身份证", "居住证", "营业执照", "最低生活保障", "高龄补贴", "住房公积金", "社会保障卡", "临时救助", "结婚登记", "出生医学证明", "不动产登记", "机动车驾驶证", "电费", "燃气", "独生子女父母奖励"}
	act := []string{"参保登记", "缴费", "待遇申领", "信息变更", "注销", "查询", "证明开具", "补领", "换领", "转移接续", "资格认证", "申请", "年审", "预约"}
	keywords := map[string][]string{"医疗保险": {"医保"}, "社会保障卡": {"社保卡"}, "最低生活保障": {"低保"}, "养老保险": {"社保"}, "住房公积金": {"公积金"}}
	cats := []string{"社会保障", "户籍管理", "医疗卫生", "市场监管", "民政服务", "生活缴费", "交通出行"}
	r := rand.New(rand.NewPCG(1, 2))
	docs := make([]Doc, n)
	for i := range docs {
		w := what[r.IntN(len(what))]
		docs[i] = Doc{
			Code:     fmt.Sprintf("I%05d", i),
			Name:     who[r.IntN(len(who))] + w + act[r.IntN(len(act))],
			Category: cats[r.IntN(len(cats))],
			Keywords: keywords[w],
			Frequent: r.IntN(10) == 0,
		}
	}
	return docs
}

var benchQueries = []string{
	"养老", "yanglao", "yl", "ylbx", "yang lao", "医保", "shebaoka", "sbk", "gjj", "zhufanggongjijin",
	"身份证补领", "shenfenzheng", "jzz", "yingyezhizhao", "dibao", "z", "s", "x", "cxjm", "canbao",
	"不动产", "budongchan", "jhdj", "jiehun", "chusheng", "ranqi", "dianfei", "junren", "tyjr", "zhuanyijiexu",
}

// BenchmarkCatalogSearch reports the 99th-percentile latency of one search over a
// 5 000-item catalogue (goal ≤ 10 ms on the kiosk).
func BenchmarkCatalogSearch(b *testing.B) {
	ix := New(genDocs(5000))
	var durs []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := benchQueries[i%len(benchQueries)]
		t0 := time.Now()
		ix.Search(q, 50)
		durs = append(durs, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(durs)
	p99 := durs[(len(durs)*99)/100]
	b.ReportMetric(float64(p99.Microseconds())/1000, "ms-p99")
}

// BenchmarkCatalogSearchIndex reports the time to index a 5 000-item catalogue.
func BenchmarkCatalogSearchIndex(b *testing.B) {
	docs := genDocs(5000)
	New(docs[:1]) // load the pinyin tables outside the timing
	b.ResetTimer()
	for b.Loop() {
		New(docs)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/index")
}

func TestGeneratedCatalogue(t *testing.T) {
	ix := New(genDocs(5000))
	for _, q := range benchQueries {
		if len(ix.Search(q, 10)) == 0 {
			t.Errorf("Search(%q) found nothing in the generated catalogue", q)
		}
	}
}

func FuzzSearch(f *testing.F) {
	for _, q := range benchQueries {
		f.Add(q)
	}
	f.Add("ǚ'ǘ  1 2")
	f.Add("\xff\xfe")
	ix := New(Docs(testCatalog))
	f.Fuzz(func(t *testing.T, q string) {
		rs := ix.Results(q, 5)
		if len(rs) > 5 {
			t.Fatalf("limit exceeded")
		}
		for i := 1; i < len(rs); i++ {
			if rs[i].Score > rs[i-1].Score {
				t.Fatalf("results not ranked: %v", rs)
			}
		}
	})
}
