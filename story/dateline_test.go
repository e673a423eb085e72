package story

import "testing"

func TestDateline(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"Wien/Damaskus (APA/dpa) – Die Waffenruhe hält.", "Wien/Damaskus (APA/dpa) – "},
		{"BERLIN (AP) — The vote passed.", "BERLIN (AP) — "},
		{"Damaskus - Bei Kämpfen starben 65 Menschen.", "Damaskus - "},
		{"Los Angeles/New York (Reuters) – Die Börse schloss.", "Los Angeles/New York (Reuters) – "},
		{"Syrische Armee erzielte Teilerfolg. Damaskus – Bei erneuten Kämpfen starben 65 Menschen.", "Damaskus – "},
		{"Die Waffenruhe hält – vorerst.", ""},
		{"Syrien: Die Waffenruhe hält.", ""},
		{"Angela Merkel – die Kanzlerin – sprach.", ""},
	} {
		if got, _ := Dateline(tt.text); got != tt.want {
			t.Errorf("Dateline(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
