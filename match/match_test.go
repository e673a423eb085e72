package match

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestFindAll(t *testing.T) {
	tests := []struct {
		keyword string
		text    string
		want    []string // the matched text of each hit
	}{
		{"Syrien", "Die Syrien-Krise dauert an.", []string{"Syrien"}},
		{"Syrien", "In SYRIEN und syrien.", []string{"SYRIEN", "syrien"}},
		{"Syrien", "Die Syrienkrise und syrischen Truppen", nil},
		{"IS", "Kampf gegen den „Islamischen Staat“ (IS) und die IS-Miliz.", []string{"IS", "IS"}},
		{"IS", "This is what it is. Isis, ISIS, Islam, Krisis, is.", nil},
		{"IS", "Der IS' Anspruch", []string{"IS"}},
		{"Islamischer Staat", "der Islamischer  Staat, der Islamischer-Staat", []string{"Islamischer  Staat", "Islamischer-Staat"}},
		{"Islamischer Staat", "Islamischer Staaten", nil},
		{"Syri*", "syrischen Truppen in Syrien, nicht Assyrien", []string{"syrischen", "Syrien"}},
		{"Österreich", "Nach österreich und Österreichs", []string{"österreich"}},
		{"Ö*", "Öl und öffentlich", []string{"Öl"}}, // all capitals: case-sensitive
		{"öf*", "Öl und Öffentlichkeit", []string{"Öffentlichkeit"}},
		{"Fußball", "FUSSBALL-Fans lieben Fußball", []string{"FUSSBALL", "Fußball"}}, // ß=ss
		{"Straße", "Strasse, STRASSE und Straße", []string{"Strasse", "STRASSE", "Straße"}},
		{"Österreich", "Oesterreich und Österreich", []string{"Oesterreich", "Österreich"}},
		{"Mueller", "Herr Müller und Herr Mueller", []string{"Müller", "Mueller"}},
		{"GRÜNE", "Die GRUENE Liste, die GRÜNEN, die Grüne", []string{"GRUENE"}},
		{"*krise", "Syrienkrise, Flüchtlingskrise, Krise, krisenfest", []string{"Syrienkrise", "Flüchtlingskrise", "Krise"}},
		{"*KRISE", "SYRIENKRISE und Syrienkrise", []string{"SYRIENKRISE"}},
		{"*gespräche", "Friedensgespraeche und Gespräche", []string{"Friedensgespraeche", "Gespräche"}},
		{"Boris Johnson", "Boris\nJohnson sagte", []string{"Boris\nJohnson"}},
		{"NATO", "die Nato und die NATO", []string{"NATO"}},
		{"G20", "Beim G20-Gipfel", []string{"G20"}},
		{"AT&T", "AT&T und AT-T", []string{"AT&T", "AT-T"}},
		{"U.S.", "the U.S. Army", []string{"U.S"}},
		{"Müller", norm.NFD.String("Herr Müller kam"), []string{"Müller"}},
		{norm.NFD.String("Müller"), "Herr Müller kam", []string{"Müller"}},
		{"Café", "im café", []string{"café"}},
	}
	for _, tt := range tests {
		t.Run(tt.keyword+"/"+tt.text, func(t *testing.T) {
			m, err := Compile([]string{tt.keyword})
			if err != nil {
				t.Fatal(err)
			}
			text := Normalize(tt.text)
			var got []string
			for _, h := range m.FindAll(text) {
				got = append(got, text[h.Start:h.End])
			}
			want := tt.want
			for i := range want {
				want[i] = Normalize(want[i])
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("FindAll(%q) in %q = %q, want %q", tt.keyword, tt.text, got, want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	for _, k := range []string{"", "  ", "*", "Sy*rien", "!!!", "Syrien **", "C++", "C#", "#Syrien", "@newsbot", "100%", "a+b", "*Syri*", "* krise", "*Syrien Krise", "**"} {
		if _, err := Compile([]string{k}); err == nil {
			t.Errorf("Compile(%q) succeeded, want an error", k)
		}
	}
}

func TestTermsInConfigOrder(t *testing.T) {
	m, err := Compile([]string{"Syrien", "IS", "Islamischer Staat", "Irak"})
	if err != nil {
		t.Fatal(err)
	}
	got := m.Terms(m.FindAll("Der IS in Syrien, der IS und Syrien."))
	if want := []string{"Syrien", "IS"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Terms = %q, want %q", got, want)
	}
}

func BenchmarkFindAll(b *testing.B) {
	text := Normalize(strings.Repeat("Die Vereinigten Staaten haben nach Darstellung Russlands eine Beteiligung an dem neuen Zentrum gegen den IS in Syrien abgelehnt. ", 50))
	for _, n := range []int{10, 1000} {
		kws := []string{"Syrien", "IS", "Islamischer Staat", "Syri*"}
		for i := len(kws); i < n; i++ {
			kws = append(kws, "wort"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26%26)))
		}
		m, err := Compile(kws)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("keywords="+strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				m.FindAll(text)
			}
		})
	}
}
