package watchers

import "testing"

func TestGuessLang(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Die Regierung hat sich auf eine Reform geeinigt, die im Herbst in Kraft treten und für alle gelten soll.", "de"},
		{"The government has agreed on a reform that is to take effect in the autumn and apply to all of the country.", "en"},
		{"Syrien Idlib", ""},
	}
	for _, tt := range tests {
		if got := guessLang(tt.text); got != tt.want {
			t.Errorf("guessLang(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// A page's declared language gives way to its text's when the text says
// clearly that it is German and not English, or the other way round.
func TestTextLang(t *testing.T) {
	de := "Die Bundesregierung hat am Montag ein neues Gesetz beschlossen, das die Mieten in den Städten begrenzen soll. Es ist nicht das erste, sagen die Verbände."
	en := "The government has passed a new law on Monday that is meant to limit rents in the cities. It is not the first, say the associations."
	for _, tt := range []struct{ declared, text, want string }{
		{"en", de, "de"},
		{"de", en, "en"},
		{"", de, "de"},
		{"de", de, "de"},
		{"it", de, "it"}, // only German and English are told apart
		{"en", "Kurz.", "en"},
	} {
		if got := textLang(tt.declared, tt.text); got != tt.want {
			t.Errorf("textLang(%q, %.20q…) = %q, want %q", tt.declared, tt.text, got, tt.want)
		}
	}
}
