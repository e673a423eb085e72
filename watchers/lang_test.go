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
