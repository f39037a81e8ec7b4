package main

import "testing"

// TestSchoolLocality: a KLP school's name is the place it is named after,
// without its type, language, section letter or parent village.
func TestSchoolLocality(t *testing.T) {
	for in, want := range map[string]string{
		"GKHPS ALAHALLI":              "Alahalli",
		"GKLPS AVALAHALLI (HUSKUR)":   "Avalahalli",
		"HEBBAGODI  C":                "Hebbagodi",
		"DOMMASANDRA 'C'":             "Dommasandra",
		"SAMANAHALLI 1":               "Samanahalli",
		"GUHPS BELATHUR COLONY":       "Belathur Colony",
		"GKHPS (GIRLS)DOMMASANDRA":    "Dommasandra",
		"GKLPS KANNADA JAYANAGAR":     "Jayanagar",
		"KACHANAYAKANAHALLI V/N":      "Kachanayakanahalli",
		"GKHPS G.R.GALLI":             "",
		"SATHGURU":                    "",
		"GKLPS YAMRE":                 "",
		"GKLPS":                       "",
		"GUHPS 2":                     "",
		"GUMPBS BARLANE":              "Barlane",
		"ANGANWADI NO 12":             "",
		"GKLPS K R PURAM @ HOSAHALLI": "",
	} {
		if got := schoolLocality(in); got != want {
			t.Errorf("schoolLocality(%q) = %q, want %q", in, got, want)
		}
	}
}
