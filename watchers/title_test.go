package watchers

import "testing"

func TestFeedTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Waffenruhe in <em>Idlib</em> hält", "Waffenruhe in Idlib hält"}, // Atom type="html"
		{"<!channel> Syrien & <Co>", "<!channel> Syrien & <Co>"},          // plain text stays as written
		{"  Zwei   Leerzeichen\n", "Zwei Leerzeichen"},                    // white space collapsed
		{"A &lt; B</b>", "A < B"},                                         // entities of an HTML title decoded
	}
	for _, tt := range tests {
		if got := feedTitle(tt.in); got != tt.want {
			t.Errorf("feedTitle(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
